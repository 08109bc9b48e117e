extension Picoseconds: Codable {
    /// Decodes a whole number of picoseconds.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(UInt64.self))
    }

    /// Encodes the whole number of picoseconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension ByteCount: Codable {
    /// Decodes a whole number of bytes.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(UInt64.self))
    }

    /// Encodes the whole number of bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }
}

extension DataRate: Codable {
    /// Decodes bytes per second.
    public init(from decoder: any Decoder) throws {
        self.init(bytesPerSecond: try decoder.singleValueContainer().decode(Double.self))
    }

    /// Encodes bytes per second.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytesPerSecond)
    }
}
