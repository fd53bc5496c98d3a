import Foundation
import Vapor
import BiebCore
import BiebStore

/// The collection plan as the API (and the CSV downloads) give it. Loans in
/// a segment table leave the dashboard here, so a count under 5 is only
/// "<5" (`SmallCells`), with the measures made from it left out; holdings
/// (copies, not people) are exact. A weeding list is a work list of copies,
/// not a statistic: its lines are exact.
enum CollectionDTO {
    struct Figures: Content {
        let holdings: Int
        let loans: Int?
        let loans_shown: String
        let turnover: Double?
        let dead: Int
        let dead_share: Double?
        let average_age: Double?

        init(_ figures: SegmentFigures, year: Int) {
            let shown = figures.loans >= SmallCells.threshold
            holdings = figures.holdings
            loans = shown ? figures.loans : nil
            loans_shown = SmallCells.text(figures.loans)
            turnover = shown ? figures.turnover.map(CollectionDTO.round) : nil
            dead = figures.dead
            dead_share = figures.deadShare.map(CollectionDTO.round)
            average_age = figures.averageAge(in: year).map { ($0 * 10).rounded() / 10 }
        }
    }

    struct Line: Content {
        let key: String
        let name: String
        let figures: Figures
        let relative_use: Double?
        let last_year: Figures?

        init(_ line: SegmentTable.Line, year: Int) {
            key = line.key
            name = line.name
            figures = Figures(line.figures, year: year)
            relative_use = line.figures.loans >= SmallCells.threshold ? line.relativeUse.map(CollectionDTO.round) : nil
            last_year = line.lastYear.map { Figures($0, year: year - 1) }
        }
    }

    struct Table: Content {
        let day: String
        let branch: String?
        let level: String?
        let part: String?
        let lines: [Line]
        let total: Line
    }

    static func round(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    static func table(_ table: SegmentTable, day: LocalDate, branch: String?, level: SegmentLevel?, part: CollectionSegment?) -> Table {
        Table(day: day.iso, branch: branch, level: level?.rawValue, part: part?.rawValue,
              lines: table.lines.map { Line($0, year: day.year) }, total: Line(table.total, year: day.year))
    }

    struct Threshold: Content {
        let part: String
        let heading: Int?
        let own: Bool
        let max_age_years: Int?
        let idle_months: Int
        let worn_loans: Int
        let loans_per_copy: Int
    }

    /// Every part and the headings with thresholds of their own (set here or by default).
    static func thresholds(_ policy: WeedingPolicy) -> [Threshold] {
        var scopes = CollectionSegment.allCases.map { WeedingPolicy.Scope(part: $0, heading: nil) }
        scopes += WeedingThresholds.defaultHeadings.map { WeedingPolicy.Scope(part: $0.0, heading: $0.1) }
        scopes += policy.own.keys.filter { $0.heading != nil && !scopes.contains($0) }
        return scopes.sorted { ($0.part.order, $0.heading ?? -1) < ($1.part.order, $1.heading ?? -1) }.map { scope in
            let t = policy.thresholds(part: scope.part, heading: scope.heading)
            return Threshold(part: scope.part.rawValue, heading: scope.heading, own: policy.own[scope] != nil, max_age_years: t.maxAgeYears,
                             idle_months: t.idleMonths, worn_loans: t.wornLoans, loans_per_copy: t.loansPerCopy)
        }
    }

    struct WeedingSummary: Content {
        let id: Int
        let branch: String
        let status: String
        let made_on: String
        let made_by: String
        let signed_by: String?
        let signed_at: Date?
        let lines: Int
        let decided: Int
        let withdrawn: Int

        init(_ s: WeedingLists.Summary, _ service: CollectionService) {
            id = s.id
            branch = service.label(s.branch)?.slug ?? s.branch.uuidString
            status = s.status.rawValue
            made_on = s.madeOn.iso
            made_by = s.madeBy
            signed_by = s.signedBy
            signed_at = s.signedAt
            lines = s.lines
            decided = s.decided
            withdrawn = s.withdrawn
        }
    }

    struct WeedingLine: Content {
        let id: Int
        let barcode: String
        let title_id: Int
        let title: String
        let author: String?
        let edition_year: Int?
        let call_number: String
        let segment: String
        let reasons: [String]
        let lifetime_loans: Int
        let last_loan_on: String?
        let decision: String?
        let note: String
        let decided_by: String?
        let outcome: String?

        init(_ l: WeedingLists.Line) {
            id = l.id
            barcode = l.barcode
            title_id = l.titleID
            title = l.title
            author = l.author
            edition_year = l.editionYear
            call_number = l.callNumber
            segment = l.segment
            reasons = l.reasons.map(\.rawValue)
            lifetime_loans = l.lifetimeLoans
            last_loan_on = l.lastLoanOn?.iso
            decision = l.decision?.rawValue
            note = l.note
            decided_by = l.decidedBy
            outcome = l.outcome?.rawValue
        }
    }

    /// A list with one page of its lines (`list.lines` counts them all).
    struct WeedingList: Content {
        let list: WeedingSummary
        let page: Int
        let per_page: Int
        let lines: [WeedingLine]
    }

    struct SignOff: Content {
        let withdrawn: Int
        let in_use: [String]
        let kept: Int
    }

    struct Suggestion: Content {
        let title_id: Int
        let title: String
        let author: String?
        let year: Int?
        let branch: String?
        let reason: String
        let copies: Int
        let holds: Int
        let copies_held: Int
        let on_order: Int
        let loans: Int
        let older_title_id: Int?

        init(_ s: PurchaseSuggestions.Suggestion, _ service: CollectionService) {
            title_id = s.titleID
            title = s.title
            author = s.author
            year = s.year
            branch = s.branch.map { service.label($0)?.slug ?? $0.uuidString }
            reason = s.reason.rawValue
            copies = s.copies
            holds = s.holds
            copies_held = s.copiesHeld
            on_order = s.onOrder
            loans = s.loans
            older_title_id = s.olderTitleID
        }
    }

    struct Order: Content {
        let id: Int
        let title_id: Int
        let title: String
        let branch: String
        let copies: Int
        let expected_on: String?
        let reason: String?
        let status: String
        let ordered_by: String
        let created_at: Date

        init(_ o: PurchaseOrders.Order, _ service: CollectionService) {
            id = o.id
            title_id = o.titleID
            title = o.title
            branch = service.label(o.branch)?.slug ?? o.branch.uuidString
            copies = o.copies
            expected_on = o.expectedOn?.iso
            reason = o.reason?.rawValue
            status = o.status.rawValue
            ordered_by = o.orderedBy
            created_at = o.createdAt
        }
    }

    struct Capacity: Content {
        let branch: String
        let part: String
        let capacity: Int
        let holdings: Int
    }

    struct Move: Content {
        let part: String
        let from: String
        let to: String
        let copies: Int
    }

    struct Transfer: Content {
        let transfer_id: Int
        let barcode: String
        let title: String
        let call_number: String
        let from: String
        let to: String
        let sent: Bool

        init(_ l: Balancing.Line, _ service: CollectionService) {
            transfer_id = l.transferID
            barcode = l.barcode
            title = l.title
            call_number = l.callNumber
            from = service.label(l.from)?.slug ?? l.from.uuidString
            to = service.label(l.to)?.slug ?? l.to.uuidString
            sent = l.sent
        }
    }

    struct Theme: Content {
        let theme: String
        let name_nl: String
        let name_en: String
        let headings: [Int]
    }

    struct ThemeShelf: Content {
        struct Title: Content {
            let title_id: Int
            let title: String
            let author: String?
            let year: Int?
            let available: Int
        }

        let headings: [Int]
        let branch: Figures?
        let organisation: Figures
        let titles: [Title]
        let from_whole_library: Bool

        init(_ shelf: ThemeShelves.Shelf, year: Int) {
            headings = shelf.headings
            branch = shelf.branch.map { Figures($0, year: year) }
            organisation = Figures(shelf.organisation, year: year)
            titles = shelf.titles.map { Title(title_id: $0.titleID, title: $0.title, author: $0.author, year: $0.year, available: $0.available) }
            from_whole_library = shelf.fromWholeLibrary
        }
    }

    struct Balance: Content {
        let moves: [Move]
        let transfers: [Transfer]
    }
}

/// The disposal export of a signed weeding list: the copies withdrawn, with
/// what a disposal firm or a book sale needs — the same file from the page and the API.
enum WeedingExport {
    static func csv(_ lines: [WeedingLists.Line], english: Bool) -> String {
        var out = CSVText.line((english ? ["barcode", "title", "author", "year", "call number", "reasons", "loans", "last loan", "note"]
                                        : ["barcode", "titel", "auteur", "jaar", "plaatsing", "redenen", "uitleningen", "laatste uitlening", "notitie"])
            .map { CSVText.field($0) })
        for line in lines where line.outcome == .withdrawn {
            out += CSVText.line([CSVText.field(line.barcode), CSVText.field(line.title), CSVText.field(line.author ?? ""),
                                 line.editionYear.map(String.init) ?? "", CSVText.field(line.callNumber),
                                 CSVText.field(line.reasons.map { $0.name(english: english) }.joined(separator: "; ")), String(line.lifetimeLoans),
                                 line.lastLoanOn?.iso ?? "", CSVText.field(line.note)])
        }
        return out
    }
}
