import Foundation
import BiebCore

/// Writes an organisation's catalogue as ISO 2709, MARCXML or Dublin Core
/// (oai_dc records in a collection), with each title's current copies as
/// 852 fields. Reads titles a page at a time, so memory stays flat.
public struct CatalogExporter: Sendable {
    public enum Format: String, Sendable, CaseIterable { case iso2709, marcxml, dc }

    public let store: CatalogStore

    public init(store: CatalogStore) {
        self.store = store
    }

    /// Writes every title; returns how many.
    @discardableResult
    public func export(format: Format, to write: (Data) throws -> Void, progress: (Int) -> Void = { _ in }) async throws -> Int {
        let branches = try await store.branchesBySlug()
        let slugs = Dictionary(uniqueKeysWithValues: branches.map { ($1, $0) })
        switch format {
        case .iso2709: break
        case .marcxml: try write(Data(MARCXML.collectionStart.utf8))
        case .dc: try write(Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection>\n".utf8))
        }
        var count = 0
        var after = 0
        while true {
            let page = try await store.titles(after: after, limit: 1000)
            guard let last = page.last else { break }
            after = last.id!
            let items = try await store.items(of: page.map { $0.id! })
            var chunk = Data()
            for title in page {
                guard var record = title.marcRecord else { continue }
                record = Self.withHoldings(record, items: items[title.id!] ?? [], slugs: slugs)
                switch format {
                case .iso2709: chunk.append(contentsOf: try ISO2709Writer.encode(record))
                case .marcxml: chunk.append(contentsOf: MARCXML.record(record).utf8)
                case .dc: chunk.append(contentsOf: DublinCore.oaiDC(record).utf8)
                }
                count += 1
            }
            try write(chunk)
            progress(count)
        }
        switch format {
        case .iso2709: break
        case .marcxml: try write(Data(MARCXML.collectionEnd.utf8))
        case .dc: try write(Data("</collection>\n".utf8))
        }
        return count
    }

    /// The record with its 852/949 holdings replaced by the current copies.
    public static func withHoldings(_ record: MARCRecord, items: [Item], slugs: [UUID: String]) -> MARCRecord {
        var record = record
        record.fields.removeAll { $0.tag == "852" || $0.tag == "949" }
        var position = record.fields.firstIndex { $0.tag > "852" } ?? record.fields.count
        for item in items.sorted(by: { $0.barcode < $1.barcode }) {
            var subfields: [MARCSubfield] = []
            if let slug = slugs[item.owningBranchID] { subfields.append(MARCSubfield("b", slug)) }
            if !item.shelfLocation.isEmpty { subfields.append(MARCSubfield("c", item.shelfLocation)) }
            if !item.callNumber.isEmpty { subfields.append(MARCSubfield("h", item.callNumber)) }
            subfields.append(MARCSubfield("p", item.barcode))
            if let cents = item.priceCents { subfields.append(MARCSubfield("9", String(format: "%d.%02d", cents / 100, cents % 100))) }
            record.fields.insert(.data("852", " ", " ", subfields), at: position)
            position += 1
        }
        return record
    }
}
