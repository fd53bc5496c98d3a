import Foundation

/// A MARC 21 record: a leader and fields in order. Control fields (001–009)
/// carry a value; data fields carry two indicators and subfields. Values are
/// Unicode strings; readers convert from the file's encoding and writers
/// always write UTF-8.
public struct MARCRecord: Hashable, Sendable {
    public var leader: MARCLeader
    public var fields: [MARCField]

    public init(leader: MARCLeader = MARCLeader(), fields: [MARCField] = []) {
        self.leader = leader
        self.fields = fields
    }

    /// All fields with a tag, in order.
    public func fields(_ tag: String) -> [MARCField] {
        fields.filter { $0.tag == tag }
    }

    /// The first field with a tag.
    public func first(_ tag: String) -> MARCField? {
        fields.first { $0.tag == tag }
    }

    /// The value of a control field (001–009).
    public func control(_ tag: String) -> String? {
        first(tag)?.value
    }

    /// The first value of a subfield in the first field with a tag.
    public func value(_ tag: String, _ code: Character) -> String? {
        first(tag)?.first(code)
    }

    /// The control number (001), trimmed.
    public var controlNumber: String? {
        control("001")?.trimmed
    }
}

/// The 24-character leader. Positions that the writer computes (record
/// length 00–04, base address 12–16) are recomputed on writing.
public struct MARCLeader: Hashable, Sendable, CustomStringConvertible {
    /// Always 24 ASCII characters.
    public private(set) var text: String

    /// A leader for a new UTF-8 book record ("nam a22     i 4500").
    public init() {
        text = "00000nam a2200000 i 4500"
    }

    /// A leader from 24 characters; nil when not 24 ASCII characters.
    public init?(_ text: String) {
        guard text.utf8.count == 24, text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        self.text = text
    }

    public var description: String { text }

    public subscript(_ position: Int) -> Character {
        get { Character(Unicode.Scalar(text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: position)])) }
        set {
            var characters = Array(text)
            characters[position] = newValue.isASCII ? newValue : " "
            text = String(characters)
        }
    }

    /// 05: record status (`d` deleted, `n` new, `c` corrected, …).
    public var recordStatus: Character { self[5] }
    /// 06: type of record (`a` language material, `g` projected medium, `i` nonmusical sound, `j` music sound, `m` computer file, …).
    public var typeOfRecord: Character { self[6] }
    /// 07: bibliographic level (`m` monograph, `s` serial, …).
    public var bibliographicLevel: Character { self[7] }
    /// 09: character coding scheme: `a` Unicode (UTF-8), blank MARC-8.
    public var characterCoding: Character { self[9] }

    public var isDeleted: Bool { recordStatus == "d" }
}

/// A field: a control field (tag 001–009) with a value, or a data field with
/// indicators and subfields.
public struct MARCField: Hashable, Sendable {
    public var tag: String
    /// The value of a control field; nil for data fields.
    public var value: String?
    public var indicator1: Character
    public var indicator2: Character
    public var subfields: [MARCSubfield]

    public static func control(_ tag: String, _ value: String) -> MARCField {
        MARCField(tag: tag, value: value, indicator1: " ", indicator2: " ", subfields: [])
    }

    public static func data(_ tag: String, _ indicator1: Character = " ", _ indicator2: Character = " ",
                            _ subfields: [MARCSubfield]) -> MARCField {
        MARCField(tag: tag, value: nil, indicator1: indicator1, indicator2: indicator2, subfields: subfields)
    }

    public init(tag: String, value: String?, indicator1: Character, indicator2: Character, subfields: [MARCSubfield]) {
        self.tag = tag
        self.value = value
        self.indicator1 = indicator1
        self.indicator2 = indicator2
        self.subfields = subfields
    }

    /// Tags 001–009 (and 00X in general) are control fields.
    public static func isControlTag(_ tag: String) -> Bool {
        tag.hasPrefix("00")
    }

    public var isControl: Bool { value != nil }

    /// Values of all subfields with a code.
    public func values(_ code: Character) -> [String] {
        subfields.filter { $0.code == code }.map(\.value)
    }

    public func first(_ code: Character) -> String? {
        subfields.first { $0.code == code }?.value
    }
}

public struct MARCSubfield: Hashable, Sendable {
    public var code: Character
    public var value: String

    public init(_ code: Character, _ value: String) {
        self.code = code
        self.value = value
    }
}

/// Where a record stands in a file: its number (from 1) and byte offset.
public struct MARCPosition: Hashable, Sendable, CustomStringConvertible {
    public let record: Int
    public let byteOffset: Int

    public init(record: Int, byteOffset: Int) {
        self.record = record
        self.byteOffset = byteOffset
    }

    public var description: String { "record \(record) (byte \(byteOffset))" }
}

/// Why a record could not be read. The reader goes on with the next record.
public struct MARCReadError: Error, Hashable, Sendable, CustomStringConvertible {
    public let position: MARCPosition
    public let reason: String
    /// The 001 of the record, when it could be read.
    public let controlNumber: String?

    public init(position: MARCPosition, reason: String, controlNumber: String?) {
        self.position = position
        self.reason = reason
        self.controlNumber = controlNumber
    }

    public var description: String {
        "\(position)\(controlNumber.map { " [001 \($0)]" } ?? ""): \(reason)"
    }
}

/// A record read from a file, with its position and anything the reader
/// corrected on the way (a wrong record length, a mislabelled encoding).
public struct MARCReadRecord: Sendable {
    public let record: MARCRecord
    public let position: MARCPosition
    public let warnings: [String]
}

extension MARCRecord {
    /// The record as people read it in cataloguing tools: one line per field,
    /// "LDR" for the leader, indicators as "#" when blank, subfields as
    /// "$a …" ("245 10 $a De avonden $c Gerard Reve").
    public var displayLines: [String] {
        var lines = ["LDR \(leader.text)"]
        for field in fields {
            if let value = field.value {
                lines.append("\(field.tag) \(value.replacingOccurrences(of: " ", with: "#"))")
            } else {
                let indicators = String([field.indicator1, field.indicator2].map { $0 == " " ? "#" : $0 })
                lines.append("\(field.tag) \(indicators) " + field.subfields.map { "$\($0.code) \($0.value)" }.joined(separator: " "))
            }
        }
        return lines
    }
}
