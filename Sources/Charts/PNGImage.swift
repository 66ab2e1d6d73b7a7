// A minimal PNG writer for embedding rasters (images, smooth shading) in SVG
// as data URIs. It uses uncompressed ("stored") deflate blocks, so the chart
// library needs no zlib; the rasters we embed are small.
import Foundation

enum PNGImage {
    /// An 8-bit indexed PNG: `indices` row by row, top row first, each an
    /// index into `palette` (at most 256 "#rrggbb" or (r, g, b) colours).
    static func indexed(width: Int, height: Int, indices: [UInt8], palette: [(Int, Int, Int)]) -> Data {
        var raw = Data(capacity: (width + 1) * height)
        for row in 0..<height {
            raw.append(0) // filter type: none
            let start = row * width
            raw.append(contentsOf: indices[start..<(start + width)])
        }
        var header = Data()
        header.append(bigEndian: UInt32(width))
        header.append(bigEndian: UInt32(height))
        header.append(contentsOf: [8, 3, 0, 0, 0]) // depth 8, colour type 3 (palette)
        var plte = Data()
        for (red, green, blue) in palette.prefix(256) {
            plte.append(contentsOf: [UInt8(clamping: red), UInt8(clamping: green), UInt8(clamping: blue)])
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.append(chunk("IHDR", header))
        png.append(chunk("PLTE", plte))
        png.append(chunk("IDAT", zlibStored(raw)))
        png.append(chunk("IEND", Data()))
        return png
    }

    /// An 8-bit greyscale PNG: `levels` row by row, top row first.
    static func gray(width: Int, height: Int, levels: [UInt8]) -> Data {
        var raw = Data(capacity: (width + 1) * height)
        for row in 0..<height {
            raw.append(0)
            raw.append(contentsOf: levels[(row * width)..<((row + 1) * width)])
        }
        var header = Data()
        header.append(bigEndian: UInt32(width))
        header.append(bigEndian: UInt32(height))
        header.append(contentsOf: [8, 0, 0, 0, 0]) // depth 8, colour type 0 (grey)
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.append(chunk("IHDR", header))
        png.append(chunk("IDAT", zlibStored(raw)))
        png.append(chunk("IEND", Data()))
        return png
    }

    /// A data URI for an SVG <image>.
    static func dataURI(_ png: Data) -> String {
        "data:image/png;base64," + png.base64EncodedString()
    }

    /// A zlib stream holding `data` in stored blocks of at most 65,535 bytes.
    static func zlibStored(_ data: Data) -> Data {
        var stream = Data([0x78, 0x01])
        let bytes = [UInt8](data)
        var offset = 0
        repeat {
            let length = min(65_535, bytes.count - offset)
            let final: UInt8 = offset + length >= bytes.count ? 1 : 0
            stream.append(final)
            stream.append(UInt8(length & 0xFF)); stream.append(UInt8(length >> 8))
            let complement = ~UInt16(length)
            stream.append(UInt8(complement & 0xFF)); stream.append(UInt8(complement >> 8))
            stream.append(contentsOf: bytes[offset..<(offset + length)])
            offset += length
        } while offset < bytes.count
        stream.append(bigEndian: adler32(bytes))
        return stream
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return (b << 16) | a
    }

    private static let crcTable: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ bytes: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func chunk(_ type: String, _ body: Data) -> Data {
        var data = Data()
        data.append(bigEndian: UInt32(body.count))
        var typed = Data(type.utf8)
        typed.append(body)
        data.append(typed)
        data.append(bigEndian: crc32(typed))
        return data
    }
}

extension Data {
    mutating func append(bigEndian value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }
}
