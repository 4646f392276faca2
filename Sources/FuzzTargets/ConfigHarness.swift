import Gateway

/// The config file: whatever it holds is either a config or an error that names the file.
enum ConfigHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        do {
            _ = try ConfigLoader.parse(String(decoding: input, as: UTF8.self), file: "fuzz.yaml")
        } catch {
            precondition(error.file == "fuzz.yaml" && !error.reason.isEmpty, "config error without file or reason: \(error)")
        }
    }
}
