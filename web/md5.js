// MD5 (RFC 1321) of a string's UTF-8 bytes, as lowercase hex: what SIP digest authentication needs
// (RFC 2617), and what WebCrypto does not offer.
"use strict";

const md5 = (() => {
  const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

  return function md5(text) {
    const data = new TextEncoder().encode(text);
    const length = ((data.length + 8) >>> 6) + 1;          // 64-byte blocks, with padding and length
    const words = new Uint32Array(length * 16);
    for (let i = 0; i < data.length; i++) words[i >> 2] |= data[i] << ((i % 4) * 8);
    words[data.length >> 2] |= 0x80 << ((data.length % 4) * 8);
    words[length * 16 - 2] = (data.length * 8) >>> 0;
    words[length * 16 - 1] = Math.floor(data.length / 0x20000000);
    let a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
    for (let block = 0; block < length; block++) {
      let a = a0, b = b0, c = c0, d = d0;
      for (let i = 0; i < 64; i++) {
        let f, g;
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
        else { f = c ^ (b | ~d); g = (7 * i) % 16; }
        const sum = (a + f + K[i] + words[block * 16 + g]) >>> 0;
        const shift = S[(i >> 4) * 4 + (i % 4)];
        a = d; d = c; c = b;
        b = (b + ((sum << shift) | (sum >>> (32 - shift)))) >>> 0;
      }
      a0 = (a0 + a) >>> 0; b0 = (b0 + b) >>> 0; c0 = (c0 + c) >>> 0; d0 = (d0 + d) >>> 0;
    }
    return [a0, b0, c0, d0].map(w => [0, 8, 16, 24].map(s => ((w >>> s) & 0xff).toString(16).padStart(2, "0")).join("")).join("");
  };
})();
