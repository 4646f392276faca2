import Hashing
import Testing
@testable import SIP

@Suite("MD5, SHA-256 and HMAC test vectors (OpenSSL through Hashing)")
struct HashTests {
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func md5RFC1321(_ input: String, _ expected: String) {
        #expect(Hex.encode(Hash.md5.digest(input)) == expected)
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256FIPS180(_ input: String, _ expected: String) {
        #expect(Hex.encode(Hash.sha256.digest(input)) == expected)
    }

    @Test func sha256MillionAs() {
        #expect(Hex.encode(Hash.sha256.digest([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func constantTimeEquals() {
        #expect(Hash.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!Hash.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!Hash.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(Hash.constantTimeEquals([], []))
    }

    @Test func hmacRFC4231() {
        // Test case 2.
        #expect(Hex.encode(Hash.sha256.authenticate(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block size.
        #expect(Hex.encode(Hash.sha256.authenticate(key: [UInt8](repeating: 0xaa, count: 131),
                                                   message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func hexRoundTrip() {
        #expect(Hex.decode("00ff10Ab") == [0x00, 0xff, 0x10, 0xab])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

@Suite struct SHA1Tests {
    @Test func fipsVectors() {
        #expect(Hex.encode(Hash.sha1.digest("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Hex.encode(Hash.sha1.digest("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(Hex.encode(Hash.sha1.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(Hex.encode(Hash.sha1.digest([UInt8](repeating: 0x61, count: 1_000_000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test func hmacRFC2202Vectors() {
        #expect(Hex.encode(Hash.sha1.authenticate(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
                == "b617318655057264e28bc0b6fb378c8ef146be00")
        #expect(Hex.encode(Hash.sha1.authenticate(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }
}
