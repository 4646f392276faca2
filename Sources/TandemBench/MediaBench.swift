func mediaBenchmarks() throws -> [Measurement] { [] }
