import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

/// The collection plan's demo: the copies' counters as two years and more
/// of lending would have left them (`CopyCounters.load`, as a library
/// moving from its old system brings its loan counts), on top of the demo's
/// own four weeks of real loans; and the situations a collection manager
/// acts on. Generated, deterministic (the same day gives the same numbers):
///
/// - Den Haag: Bibliotheek Loosduinen holds a shelf of old English books
///   (150 of the Library of Congress titles, bought 2012–2016) that nobody
///   borrows: dead stock, and a weeding list. The Dutch titles turn over
///   as a city library's do (youth fiction hardest, the central library's
///   popular novels worn); a queue on the first of the most wanted titles
///   asks for more copies; "Fietsen in Nederland" has a new edition in the
///   catalogue without copies while the old one is well used; travel
///   guides (NUR 500–509) date after five years, the organisation's own
///   threshold. A snapshot of a year ago, so reports compare.
/// - Heemstede: a floating collection whose copies pile up at Plein1,
///   over its shelf capacity for youth and adult fiction, while the two
///   small locations have room: a balance transfer list to make.
enum DemoCollection {
    static func seed(app: Application, organisation: UUID, today: LocalDate, zone: TimeZone) async throws {
        let sql = app.db.sql
        let branches = try await BranchDirectory(app.db).branches(of: organisation)
        let kinds = Dictionary(uniqueKeysWithValues: branches.map { ($0.id!, $0.kind) })
        let dead = branches.first { $0.slug == "loosduinen" }
        let store = CatalogStore(app.db, organisationID: organisation)
        if let dead {
            // The old English shelf at Loosduinen.
            let titles = try await sql.raw("""
                SELECT t.id FROM titles t WHERE t.organisation_id = \(bind: organisation) AND t.language = 'eng' AND t.format = 'book' AND t.deleted = \(bind: false)
                ORDER BY t.id LIMIT 150
                """).all().map { try $0.decode(column: "id", as: Int.self) }
            for (n, title) in titles.enumerated() {
                _ = try await store.addItem(to: title, ItemDraft(barcode: String(format: "LSD%06d", n + 1), branchID: dead.id!, callNumber: "ENG",
                                                                  shelfLocation: "Engelse boeken",
                                                                  acquired: LocalDate(year: 2012 + n % 5, month: 1 + n % 12, day: 1 + n % 28)))
            }
        }
        // The district and neighbourhood libraries each hold a shelf of the Dutch titles (most of them, one copy each),
        // bought over the last eight years.
        let dutch = try await sql.raw("""
            SELECT t.id, t.year, t.control_number FROM titles t WHERE t.organisation_id = \(bind: organisation) AND t.control_number LIKE 'bieb-demo-%'
              AND t.format IN ('book', 'large_print', 'audiobook', 'dvd') AND t.deleted = \(bind: false) ORDER BY t.control_number
            """).all().map { (try $0.decode(column: "id", as: Int.self), try $0.decode(column: "year", as: Int?.self)) }
            // The most wanted title (the queue below) stays as scarce as it was.
            .dropFirst()
        for (b, branch) in branches.enumerated() where [.district, .neighbourhood].contains(branch.kind) {
            for (n, (title, year)) in dutch.enumerated() where DemoInsights.noise(b, n, 75) < 0.75 {
                let bought = max(LocalDate(year: max(year ?? 2000, today.year - 8), month: 3, day: 1)!, today.adding(days: -(90 + Int(DemoInsights.noise(b, n, 76) * 2_800))))
                _ = try await store.addItem(to: title, ItemDraft(barcode: String(format: "D%02d%05d", b, n), branchID: branch.id!, callNumber: "",
                                                                  acquired: min(bought, today.adding(days: -30))))
            }
        }
        // Every copy's counters.
        let rows = try await sql.raw("""
            SELECT i.id, i.owning_branch_id, i.acquired_on, i.loans_total, i.loans_year, i.last_loan_on, i.barcode,
                   t.format, t.audience, t.nur, t.language, t.title
            FROM items i JOIN titles t ON t.id = i.title_id WHERE i.organisation_id = \(bind: organisation)
            """).all()
        var loaded: [CopyCounters.Loaded] = []
        for row in rows {
            let id = try row.decode(column: "id", as: Int.self)
            let branch = try row.decode(column: "owning_branch_id", as: UUID.self)
            let barcode = try row.decode(column: "barcode", as: String.self)
            let part = try ShelfSegment(titleColumnsOf: row).part
            let english = try row.decode(column: "language", as: String?.self) == "eng"
            let acquired = try row.decode(column: "acquired_on", as: String?.self).flatMap(LocalDate.init(iso:)) ?? today.adding(days: -2_000)
            let lived = max(0, acquired.days(until: today))
            let noise = DemoInsights.noise(id, 71)
            // Loans a year: by part, by the kind of branch, and by the copy.
            var perYear: Double
            switch part {
            case .youthFiction: perYear = 11
            case .youthNonFiction: perYear = 6
            case .adultFiction: perYear = 7
            case .adultNonFiction: perYear = 4
            case .audiovisual: perYear = 8
            case .sheetMusic: perYear = 2
            }
            switch kinds[branch] ?? .district {
            case .central: perYear *= 1.2
            case .district: perYear *= 0.9
            case .neighbourhood, .partnerHosted: perYear *= 0.7
            case .outreachPoint: perYear *= 0.5
            }
            perYear *= 0.4 + 1.2 * noise
            // The cycling guide is a favourite: its new edition is worth buying.
            if try row.decode(column: "title", as: String.self) == "Fietsen in Nederland" { perYear = 6 + 4 * noise }
            // Old English books: a few loans a year at the central library, none at all at Loosduinen.
            if english { perYear = barcode.hasPrefix("LSD") ? 0 : (noise < 0.25 ? 0.2 : 0.8 + 2.5 * noise) }
            let year = Int((perYear * min(1, Double(lived) / 365)).rounded())
            var total = Int((perYear * Double(lived) / 365 * (0.8 + 0.4 * DemoInsights.noise(id, 72))).rounded())
            // The central library's novels that went out most are worn.
            if part == .adultFiction, !english, kinds[branch] == .central, noise > 0.75 { total = max(total, 85 + Int(noise * 40)) }
            var lastLoan: LocalDate?
            if year > 0 {
                lastLoan = today.adding(days: -Int(DemoInsights.noise(id, 73) * min(300, 365 / Double(year))) - 1)
            } else if total > 0 || (english && !barcode.hasPrefix("LSD")) {
                // Lent once or twice, long ago: 2 to 5 years.
                lastLoan = today.adding(days: -(730 + Int(DemoInsights.noise(id, 74) * 1_100)))
                total = max(total, 1)
            } else if barcode.hasPrefix("LSD") {
                lastLoan = acquired < today.adding(days: -2_200) ? acquired.adding(days: 200 + Int(noise * 300)) : nil
                total = lastLoan == nil ? 0 : 1 + Int(noise * 3)
            }
            if let lastLoan, lastLoan < acquired { total = max(total, 1) }
            // The demo's own real loans of the last weeks stay counted on top.
            let realTotal = try row.decode(column: "loans_total", as: Int.self), realYear = try row.decode(column: "loans_year", as: Int.self)
            let realLast = try row.decode(column: "last_loan_on", as: String?.self).flatMap(LocalDate.init(iso:))
            let last = [lastLoan, realLast].compactMap { $0 }.max()
            loaded.append(.init(item: id, total: total + realTotal, year: year + realYear, lastLoan: last, lastSeen: last))
        }
        try await CopyCounters(app.db, organisationID: organisation, timeZone: zone).load(loaded)
        if dead != nil {
            try await denHaag(app: app, organisation: organisation, today: today)
        } else {
            try await balance(app: app, organisation: organisation, today: today, branches: branches)
        }
        // A year ago, from today's segments: the collection was a little smaller and lent a little less (except the dead shelf).
        let now = try await SegmentReport(app.db, organisationID: organisation).rows(today: today, policy: try await WeedingSettings(app.db, organisationID: organisation).policy())
        let before = now.map { row -> SegmentReport.Row in
            var old = row
            let n = DemoInsights.noise(row.segment.key.unicodeScalars.reduce(0) { $0 + Int($1.value) }, row.figures.holdings, row.figures.loans)
            let factor = 0.82 + 0.3 * n
            old.figures.holdings = max(0, Int((Double(row.figures.holdings) * (0.93 + 0.05 * n)).rounded()))
            old.figures.loans = Int((Double(row.figures.loans) * factor).rounded())
            old.figures.lifetimeLoans = max(0, row.figures.lifetimeLoans - row.figures.loans)
            old.figures.dead = min(old.figures.holdings, Int((Double(row.figures.dead) * (0.7 + 0.2 * n)).rounded()))
            // The same editions, a few fewer of them.
            old.figures.dated = min(old.figures.holdings, row.figures.dated)
            old.figures.yearSum = row.figures.dated > 0 ? row.figures.yearSum / row.figures.dated * old.figures.dated : 0
            return old
        }
        try await SegmentSnapshots(app.db, organisationID: organisation).store(before, month: SegmentSnapshots.month(of: today.adding(months: -12)))
    }

    /// Den Haag: a queue worth buying for, a new edition, and travel guides' own threshold.
    static func denHaag(app: Application, organisation: UUID, today: LocalDate) async throws {
        let sql = app.db.sql
        let circulation = Circulation(app.db, organisationID: organisation)
        let central = try await BranchDirectory(app.db).branches(of: organisation).first { $0.kind == .central }!
        // The first of the most wanted titles: holds until there are more than three a copy.
        if let title = try await Title.query(on: app.db).filter(\.$organisationID == organisation).filter(\.$controlNumber ~~ "bieb-demo-")
            .sort(\.$controlNumber).all().first(where: { $0.format == MaterialFormat.book.rawValue }) {
            let copies = try await sql.raw("SELECT COUNT(*) AS n FROM items WHERE title_id = \(bind: title.id!)").first()?.decode(column: "n", as: Int.self) ?? 1
            let holds = { try await sql.raw("""
                SELECT COUNT(*) AS n FROM holds WHERE title_id = \(bind: title.id!) AND status IN ('waiting', 'allocated', 'in_transit', 'ready')
                """).first()?.decode(column: "n", as: Int.self) ?? 0 }
            let members = try await sql.raw("""
                SELECT id FROM members WHERE organisation_id = \(bind: organisation) AND block_reason IS NULL AND balance_cents = 0 ORDER BY id LIMIT 80
                """).all().map { try $0.decode(column: "id", as: UUID.self) }
            for member in members where try await holds() <= 3 * copies + 1 {
                _ = try? await circulation.placeHold(member: member, title: title.id!, pickup: central.id!,
                                                     at: Circulation.Desk(branch: central.id!, now: LocalClock.instant(of: today.adding(days: -2), minute: 14 * 60,
                                                                                                                         in: BranchCalendar.amsterdam)))
            }
        }
        // A new edition of a well-used title, in the catalogue without copies yet.
        let store = CatalogStore(app.db, organisationID: organisation)
        let record = TitleRecord(controlNumber: "bieb-demo-fietsen-2026", title: "Fietsen in Nederland", subtitle: "de 50 mooiste routes",
                                 contributors: [Contributor(name: "Jansen, Pieter", isMain: true)], publisher: "Demo Uitgevers", year: today.year,
                                 edition: "Herziene druk", language: "dut", format: .book, subjects: ["Fietstochten", "Nederland"], nur: 502)
        _ = try await store.upsert([try IncomingTitle(marc: MARCMapping.record(for: record), record: record, holdings: [])],
                                   branches: try await store.branchesBySlug(), defaultBranch: nil)
        // The programme's themes and the shelves that go with them (the demo's own NUR codes).
        let themes = ThemeShelves(app.db, organisationID: organisation)
        try await themes.set(theme: "basic_skills_digital", headings: [980, 600])
        try await themes.set(theme: "basic_skills_language", headings: [400])
        try await themes.set(theme: "urban_issues", headings: [680, 750])
        // Travel guides date sooner than other non-fiction: five years, the library's own setting.
        try await WeedingSettings(app.db, organisationID: organisation).set(
            WeedingThresholds(maxAgeYears: 5, idleMonths: 24, wornLoans: 50, loansPerCopy: 6), part: .adultNonFiction, heading: 500)
    }

    /// Heemstede: a floating collection, Plein1 over its shelf capacity for fiction, the small locations with room.
    static func balance(app: Application, organisation: UUID, today: LocalDate, branches: [Branch]) async throws {
        let rules = LoanRuleStore(app.db, organisationID: organisation)
        let settings = try await rules.settings()
        settings.floating = true
        try await rules.save(settings)
        let holdings = try await Balancing(app.db, organisationID: organisation).holdings(today: today)
        let shelves = ShelfCapacities(app.db, organisationID: organisation)
        for branch in branches {
            for part in [CollectionSegment.youthFiction, .adultFiction] {
                let held = holdings[branch.id!]?[part] ?? 0
                // Plein1 has shelf room for fewer than it now holds; the others for a few more.
                try await shelves.set(branch: branch.id!, part: part, capacity: branch.kind == .central ? max(0, held - 4) : held + 3)
            }
        }
    }
}
