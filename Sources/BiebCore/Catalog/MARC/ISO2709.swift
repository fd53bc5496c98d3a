import Foundation

/// Where a reader gets bytes from, a chunk at a time (so a 250 MB file is
/// never held in memory whole).
public protocol ByteSource {
    /// Up to `count` more bytes; empty at the end.
    mutating func read(upTo count: Int) throws -> [UInt8]
}

/// Bytes from a file.
public struct FileByteSource: ByteSource {
    let handle: FileHandle

    public init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
    }

    public init(handle: FileHandle) {
        self.handle = handle
    }

    public mutating func read(upTo count: Int) throws -> [UInt8] {
        guard let data = try handle.read(upToCount: count) else { return [] }
        return [UInt8](data)
    }
}

/// Bytes from memory (tests, uploads).
public struct DataByteSource: ByteSource {
    let bytes: [UInt8]
    var offset = 0

    public init(_ data: Data) { bytes = [UInt8](data) }
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func read(upTo count: Int) throws -> [UInt8] {
        let end = min(bytes.count, offset + count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

enum MARCBytes {
    static let recordTerminator: UInt8 = 0x1D
    static let fieldTerminator: UInt8 = 0x1E
    static let subfieldDelimiter: UInt8 = 0x1F
}

/// Reads MARC 21 records in ISO 2709 ("binary MARC") one by one from a byte
/// source. A record that cannot be read is returned as a `MARCReadError`
/// naming its position and the reason, and reading goes on with the next one.
///
/// Encoding: leader/09 `a` means UTF-8; invalid UTF-8 is an error, not
/// replaced. Leader/09 blank means MARC-8, converted with `MARC8`; a record
/// labelled MARC-8 whose bytes are valid UTF-8 with non-ASCII characters is
/// read as UTF-8 with a warning (a common mislabelling).
public struct ISO2709Reader<Source: ByteSource>: Sequence, IteratorProtocol {
    private var source: Source
    private var buffer: [UInt8] = []
    private var start = 0
    private var consumed = 0          // bytes dropped from the front of the buffer
    private var atEnd = false
    private var recordNumber = 0
    private let chunkSize: Int

    public init(_ source: Source, chunkSize: Int = 1 << 16) {
        self.source = source
        self.chunkSize = chunkSize
    }

    /// Bytes read so far (for progress).
    public var bytesRead: Int { consumed + start }

    public mutating func next() -> Result<MARCReadRecord, MARCReadError>? {
        do {
            return try nextRecord()
        } catch let error as MARCReadError {
            return .failure(error)
        } catch {
            recordNumber += 1
            atEnd = true
            start = buffer.count
            return .failure(MARCReadError(position: MARCPosition(record: recordNumber, byteOffset: bytesRead),
                                          reason: "the file could not be read: \(error)", controlNumber: nil))
        }
    }

    /// Ensures at least `count` bytes after `start`; false at the end of input.
    private mutating func fill(_ count: Int) throws -> Bool {
        while buffer.count - start < count {
            if atEnd { return false }
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)
                consumed += start
                start = 0
            }
            let chunk = try source.read(upTo: Swift.max(chunkSize, count))
            if chunk.isEmpty {
                atEnd = true
                return false
            }
            buffer.append(contentsOf: chunk)
        }
        return true
    }

    private mutating func nextRecord() throws -> Result<MARCReadRecord, MARCReadError>? {
        // Skip line breaks and padding some files put between records.
        while try fill(1), [0x0A, 0x0D, 0x20, 0x00, 0x1A].contains(buffer[start]) { start += 1 }
        guard try fill(1) else { return nil }
        recordNumber += 1
        let offset = bytesRead
        let position = MARCPosition(record: recordNumber, byteOffset: offset)

        var declared: Int?
        if try fill(5) {
            let digits = buffer[start..<start + 5]
            if digits.allSatisfy({ (0x30...0x39).contains($0) }) { declared = Int(String(decoding: digits, as: UTF8.self)) }
        }
        if let length = declared, length >= 25, try fill(length), buffer[start + length - 1] == MARCBytes.recordTerminator {
            let bytes = Array(buffer[start..<start + length])
            start += length
            return Self.parse(bytes, position: position, warnings: [])
        }
        // The declared length does not lead to a record terminator: take the
        // bytes up to the next terminator as this record.
        var end = start
        while true {
            if end >= buffer.count {
                guard try fill(end - start + chunkSize) else { break }
            }
            if buffer[end] == MARCBytes.recordTerminator { break }
            end += 1
        }
        if end >= buffer.count {
            let bytes = Array(buffer[start..<buffer.count])
            start = buffer.count
            return .failure(MARCReadError(position: position, reason: "the file ends inside this record (\(bytes.count) bytes, no record terminator)",
                                          controlNumber: Self.peekControlNumber(bytes)))
        }
        let bytes = Array(buffer[start...end])
        start = end + 1
        let reason = declared.map { "record length in the leader is \($0), but the record is \(bytes.count) bytes" }
            ?? "the record does not start with a five-digit record length"
        // Salvage the record when its directory is sound; the length was the only fault.
        if declared != nil, case .success(let read) = Self.parse(bytes, position: position, warnings: []) {
            return .success(MARCReadRecord(record: read.record, position: position, warnings: [reason + " (corrected)"]))
        }
        return .failure(MARCReadError(position: position, reason: reason, controlNumber: Self.peekControlNumber(bytes)))
    }

    /// Parses one record's bytes (leader to record terminator).
    public static func parse(_ bytes: [UInt8], position: MARCPosition, warnings: [String]) -> Result<MARCReadRecord, MARCReadError> {
        func fail(_ reason: String) -> Result<MARCReadRecord, MARCReadError> {
            .failure(MARCReadError(position: position, reason: reason, controlNumber: peekControlNumber(bytes)))
        }
        guard bytes.count >= 26 else { return fail("too short to be a record (\(bytes.count) bytes)") }
        let leaderBytes = bytes[0..<24]
        guard leaderBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), var leader = MARCLeader(String(decoding: leaderBytes, as: UTF8.self)) else {
            return fail("the leader is not 24 ASCII characters")
        }
        guard let base = digits(bytes, 12..<17), base > 24, base < bytes.count,
              bytes[base - 1] == MARCBytes.fieldTerminator else {
            return fail("the base address of data (leader/12–16) does not point just after the directory")
        }
        let directoryLength = base - 1 - 24
        guard directoryLength % 12 == 0 else {
            return fail("the directory is \(directoryLength) bytes, not a multiple of 12")
        }

        // Encoding for the whole record.
        var notes = warnings
        var utf8 = leader.characterCoding == "a"
        if leader.characterCoding == " " {
            let body = bytes[24..<(bytes.count - 1)]
            if body.contains(where: { $0 >= 0x80 }), !body.contains(0x1B), String(validating: body, as: UTF8.self) != nil {
                utf8 = true
                leader[9] = "a"
                notes.append("leader/09 says MARC-8, but the record is UTF-8 (read as UTF-8)")
            }
        } else if leader.characterCoding != "a" {
            return fail("unknown character coding '\(leader.characterCoding)' in leader/09 (expected 'a' for UTF-8 or blank for MARC-8)")
        }
        // `what` names the part for an error message; it is only built for one.
        func decode(_ slice: ArraySlice<UInt8>, _ what: @autoclosure () -> String) -> Result<String, MARCReadError> {
            if utf8 {
                guard let text = String(validating: slice, as: UTF8.self) else {
                    return .failure(MARCReadError(position: position, reason: "\(what()) is not valid UTF-8", controlNumber: peekControlNumber(bytes)))
                }
                return .success(text)
            }
            do {
                return .success(try MARC8.decode(slice))
            } catch {
                return .failure(MARCReadError(position: position, reason: "\(what()): \(error.reason)", controlNumber: peekControlNumber(bytes)))
            }
        }

        var fields: [MARCField] = []
        fields.reserveCapacity(directoryLength / 12)
        var entry = 24
        while entry < base - 1 {
            let tagBytes = bytes[entry..<entry + 3]
            guard tagBytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) else {
                return fail("directory entry \((entry - 24) / 12 + 1) has an invalid tag")
            }
            let tag = String(decoding: tagBytes, as: UTF8.self)
            guard let length = digits(bytes, entry + 3..<entry + 7),
                  let fieldStart = digits(bytes, entry + 7..<entry + 12),
                  length >= 1, base + fieldStart + length <= bytes.count - 1 else {
                return fail("field \(tag): its directory entry points outside the record")
            }
            let contentStart = base + fieldStart
            let contentEnd = contentStart + length - 1
            guard bytes[contentEnd] == MARCBytes.fieldTerminator else {
                return fail("field \(tag) does not end with a field terminator")
            }
            if tagBytes.first == 0x30 && bytes[entry + 1] == 0x30 { // 00X: a control field
                switch decode(bytes[contentStart..<contentEnd], "field \(tag)") {
                case .success(let value): fields.append(.control(tag, value))
                case .failure(let error): return .failure(error)
                }
            } else {
                guard contentEnd - contentStart >= 2 else { return fail("field \(tag) has no indicators") }
                guard (0x20..<0x7F).contains(bytes[contentStart]), (0x20..<0x7F).contains(bytes[contentStart + 1]) else {
                    return fail("field \(tag) has invalid indicators")
                }
                let ind1 = Character(Unicode.Scalar(bytes[contentStart]))
                let ind2 = Character(Unicode.Scalar(bytes[contentStart + 1]))
                // Subfields: each starts at a delimiter, its code the byte after it.
                var subfields: [MARCSubfield] = []
                var delimiter = contentStart + 2
                while delimiter < contentEnd, bytes[delimiter] != MARCBytes.subfieldDelimiter { delimiter += 1 }
                if delimiter > contentStart + 2 {
                    notes.append("field \(tag): \(delimiter - contentStart - 2) stray byte(s) before the first subfield left out")
                }
                while delimiter < contentEnd {
                    var next = delimiter + 1
                    while next < contentEnd, bytes[next] != MARCBytes.subfieldDelimiter { next += 1 }
                    defer { delimiter = next }
                    guard next > delimiter + 1 else { continue } // an empty delimiter: ignore
                    let codeByte = bytes[delimiter + 1]
                    guard codeByte > 0x20 && codeByte < 0x7F else {
                        return fail(String(format: "field \(tag) has an invalid subfield code (byte 0x%02X)", codeByte))
                    }
                    let code = Character(Unicode.Scalar(codeByte))
                    switch decode(bytes[(delimiter + 2)..<next], "field \(tag) $\(code)") {
                    case .success(let value): subfields.append(MARCSubfield(code, value))
                    case .failure(let error): return .failure(error)
                    }
                }
                fields.append(.data(tag, ind1, ind2, subfields))
            }
            entry += 12
        }
        guard !fields.isEmpty else { return fail("the record has no fields") }
        return .success(MARCReadRecord(record: MARCRecord(leader: leader, fields: fields), position: position, warnings: notes))
    }

    /// The number written in ASCII digits at `range`; nil when a byte there is not a digit.
    static func digits(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.upperBound <= bytes.count else { return nil }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// The 001 of a damaged record, when its directory allows finding it.
    static func peekControlNumber(_ bytes: [UInt8]) -> String? {
        guard bytes.count > 24, let base = Int(String(decoding: bytes[12..<Swift.min(17, bytes.count)], as: UTF8.self)), base < bytes.count else { return nil }
        var entry = 24
        while entry + 12 <= Swift.min(base, bytes.count) {
            if bytes[entry..<entry + 3].elementsEqual("001".utf8),
               let length = Int(String(decoding: bytes[entry + 3..<entry + 7], as: UTF8.self)),
               let fieldStart = Int(String(decoding: bytes[entry + 7..<entry + 12], as: UTF8.self)),
               base + fieldStart + length <= bytes.count, length > 1 {
                let value = String(decoding: bytes[(base + fieldStart)..<(base + fieldStart + length - 1)], as: UTF8.self)
                return value.trimmed.isEmpty ? nil : value.trimmed
            }
            entry += 12
        }
        return nil
    }
}

/// Writes records as ISO 2709 in UTF-8 (leader/09 `a`).
public enum ISO2709Writer {
    public struct EncodingError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public static func encode(_ record: MARCRecord) throws(EncodingError) -> [UInt8] {
        var directory: [UInt8] = []
        var data: [UInt8] = []
        for field in record.fields {
            guard field.tag.utf8.count == 3, field.tag.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
            }) else {
                throw EncodingError(reason: "field tag '\(field.tag)' is not three letters or digits")
            }
            var bytes: [UInt8] = []
            if let value = field.value {
                bytes.append(contentsOf: value.utf8)
            } else {
                bytes.append(indicatorByte(field.indicator1))
                bytes.append(indicatorByte(field.indicator2))
                for subfield in field.subfields {
                    bytes.append(MARCBytes.subfieldDelimiter)
                    bytes.append(contentsOf: String(subfield.code).utf8.prefix(1))
                    bytes.append(contentsOf: subfield.value.utf8)
                }
            }
            bytes.append(MARCBytes.fieldTerminator)
            guard bytes.count <= 9999 else {
                throw EncodingError(reason: "field \(field.tag) is \(bytes.count) bytes; ISO 2709 allows 9999")
            }
            guard data.count <= 99999 else { throw EncodingError(reason: "record data exceeds 99999 bytes") }
            directory.append(contentsOf: field.tag.utf8)
            appendDigits(bytes.count, width: 4, to: &directory)
            appendDigits(data.count, width: 5, to: &directory)
            data.append(contentsOf: bytes)
        }
        directory.append(MARCBytes.fieldTerminator)
        let base = 24 + directory.count
        let length = base + data.count + 1
        guard length <= 99999 else {
            throw EncodingError(reason: "record is \(length) bytes; ISO 2709 allows 99999")
        }
        var leader = Array(record.leader.text.utf8)
        var digits: [UInt8] = []
        appendDigits(length, width: 5, to: &digits)
        leader.replaceSubrange(0..<5, with: digits)
        leader[9] = UInt8(ascii: "a")
        leader[10] = UInt8(ascii: "2")
        leader[11] = UInt8(ascii: "2")
        digits.removeAll()
        appendDigits(base, width: 5, to: &digits)
        leader.replaceSubrange(12..<17, with: digits)
        leader.replaceSubrange(20..<24, with: Array("4500".utf8))
        return leader + directory + data + [MARCBytes.recordTerminator]
    }

    /// Appends `value` as `width` ASCII digits, zero-padded.
    private static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func indicatorByte(_ character: Character) -> UInt8 {
        guard let ascii = character.asciiValue, ascii >= 0x20, ascii < 0x7F else { return 0x20 }
        return ascii
    }
}
