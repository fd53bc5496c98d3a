import Foundation

/// Where a copy is in its life.
public enum ItemStatus: String, Codable, Sendable, CaseIterable {
    case available
    case onLoan = "on_loan"
    case inTransit = "in_transit"
    case onHoldShelf = "on_hold_shelf"
    case lost
    case missing
    case withdrawn

    /// Counted as part of the collection a member can get (not lost, missing or withdrawn).
    public var isInCollection: Bool { ![.lost, .missing, .withdrawn].contains(self) }
}

/// A copy from a holdings field of an imported record: 852 (standard) or
/// 949 (local, as many library systems export). See docs/MARC-MAPPING.md.
public struct Holding: Hashable, Sendable {
    public var branch: String?
    public var barcode: String?
    public var callNumber: String?
    public var shelfLocation: String?
    public var priceCents: Int?
    public var acquired: LocalDate?
    public var status: ItemStatus?

    public init(branch: String? = nil, barcode: String? = nil, callNumber: String? = nil, shelfLocation: String? = nil,
                priceCents: Int? = nil, acquired: LocalDate? = nil, status: ItemStatus? = nil) {
        self.branch = branch
        self.barcode = barcode
        self.callNumber = callNumber
        self.shelfLocation = shelfLocation
        self.priceCents = priceCents
        self.acquired = acquired
        self.status = status
    }

    /// Holdings of a record: every 852 and 949 with a barcode.
    public static func holdings(in record: MARCRecord) -> [Holding] {
        var out: [Holding] = []
        for field in record.fields("852") {
            let call = [field.first("h"), field.first("i")].compactMap { $0?.trimmed }
                .filter { !$0.isEmpty }.joined(separator: " ")
            out.append(Holding(branch: field.first("b"), barcode: field.first("p"), callNumber: call.isEmpty ? nil : call,
                               shelfLocation: field.first("c"), priceCents: field.first("9").flatMap(cents)))
        }
        for field in record.fields("949") {
            out.append(Holding(branch: field.first("a"), barcode: field.first("b"), callNumber: field.first("c"),
                               shelfLocation: field.first("l"), priceCents: field.first("p").flatMap(cents),
                               acquired: field.first("d").flatMap(LocalDate.init(iso:)),
                               status: field.first("s").flatMap(ItemStatus.init(rawValue:))))
        }
        return out.filter { $0.barcode?.trimmed.isEmpty == false }
    }

    /// "19.95", "19,95", "EUR 19.95" → 1995.
    public static func cents(_ text: String) -> Int? {
        let cleaned = text.replacingOccurrences(of: ",", with: ".").filter { $0.isNumber || $0 == "." }
        guard !cleaned.isEmpty, let value = Decimal(string: cleaned) else { return nil }
        return NSDecimalNumber(decimal: value * 100).rounding(accordingToBehavior: nil).intValue
    }
}

/// The key that groups editions and formats of one work: folded title words
/// and the main author's family name ("avonden|reve").
public enum WorkKey {
    public static func make(title: String, mainAuthor: String?) -> String {
        var words = TextAnalysis.words(title)
        // Nothing to group on: a key of its own.
        if words.isEmpty { return "|" + UUID().uuidString.lowercased() }
        // Leading articles do not make a different work.
        if let first = words.first, ["de", "het", "een", "the", "a", "an", "le", "la", "les", "der", "die", "das"].contains(first), words.count > 1 {
            words.removeFirst()
        }
        let author = mainAuthor.map { name in
            TextAnalysis.words(name.split(separator: ",").first.map(String.init) ?? name).joined(separator: " ")
        } ?? ""
        return words.prefix(12).joined(separator: " ") + "|" + author
    }

    /// A work's number: a 63-bit FNV-1a hash of its key, the same in every
    /// process and database. (Two different keys sharing a number — about
    /// one chance in ten million in a catalogue of a million works — would
    /// only show their editions together.)
    public static func id(_ key: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash & 0x7FFF_FFFF_FFFF_FFFF)
    }
}
