import Foundation
import Vapor
import BiebCore
import BiebStore

/// The collection plan's overview (`/staff/collectie`): how hard each part
/// of the collection works — per segment of a branch (or the whole
/// library) at a chosen level, the branches side by side for a part, the
/// curated lists — with this year against a year ago, the hardest- and
/// least-working segments of the branches, SVG charts with their numbers
/// as tables, and CSV downloads; and the weeding thresholds
/// (`/staff/collectie/drempels`), the defaults written out, each part or
/// heading set by staff.
struct CollectionPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("collectie", use: overview)
        staff.get("collectie", "segmenten.csv", use: segmentsCSV)
        staff.get("collectie", "vestigingen.csv", use: branchesCSV)
        staff.get("collectie", "drempels", use: thresholds)
        staff.post("collectie", "drempels", use: setThreshold)
        staff.post("collectie", "drempels", "standaard", use: resetThreshold)
    }

    /// A line of a figures table as the page shows it.
    struct RowView: Encodable {
        let key: String
        let name: String
        let holdings: String
        let loans: String
        let turnover: String
        let relativeUse: String
        let dead: String
        let deadShare: String
        let age: String
        let lastTurnover: String
        let lastHoldings: String

        init(_ line: SegmentTable.Line, formats: Formats) {
            key = line.key
            name = line.name
            holdings = formats.count(line.figures.holdings)
            loans = formats.count(line.figures.loans)
            turnover = line.turnover.map { formats.decimal($0, digits: 2) } ?? "–"
            relativeUse = line.relativeUse.map { formats.decimal($0, digits: 2) } ?? "–"
            dead = formats.count(line.figures.dead)
            deadShare = line.deadShare.map { formats.decimal($0 * 100, digits: 0) + "%" } ?? "–"
            age = line.averageAge.map { formats.decimal($0, digits: 1) } ?? "–"
            lastTurnover = line.lastYear?.turnover.map { formats.decimal($0, digits: 2) } ?? "–"
            lastHoldings = line.lastYear.map { formats.count($0.holdings) } ?? "–"
        }
    }

    struct Highlight: Encodable {
        let branch: String
        let part: String
        let turnover: String
        let relativeUse: String
        let holdings: String
    }

    struct Context: Encodable {
        let page: PageContext
        let day: String
        let branchName: String
        let query: String
        let branches: [FormOption]
        let levels: [FormOption]
        let parts: [FormOption]
        let segmentChart: String
        let segments: [RowView]
        let segmentTotal: RowView
        let branchChart: String
        let branchRows: [RowView]
        let branchTotal: RowView
        let partName: String
        let lists: [RowView]
        let hardest: [Highlight]
        let least: [Highlight]
        let hasLastYear: Bool
        let canManage: Bool
    }

    struct Query: Content {
        var vestiging: String?
        var niveau: String?
        var deel: String?
    }

    func options(_ req: Request, _ service: CollectionService) throws -> (branch: BranchLabel?, level: SegmentLevel, part: CollectionSegment?) {
        let query = try req.query.decode(Query.self)
        let branch = try service.branch(query.vestiging, field: "vestiging")
        let level = try query.niveau.flatMap { $0.isEmpty ? nil : $0 }.map { text in
            guard let level = SegmentLevel(rawValue: text) else { throw BiebError.invalid("niveau", "Unknown level.", nl: "Onbekend niveau.") }
            return level
        } ?? .part
        let part = try query.deel.flatMap { $0.isEmpty ? nil : $0 }.map { text in
            guard let part = CollectionSegment(rawValue: text) else { throw BiebError.invalid("deel", "Unknown part.", nl: "Onbekend deel.") }
            return part
        }
        return (branch, level, part)
    }

    func overview(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let (branch, level, part) = try options(req, service)
        let (all, lastYear) = try await service.rows()
        let scoped = branch.map { b in all.filter { $0.branch == b.id } } ?? all
        let scopedBefore = branch.map { b in lastYear.filter { $0.branch == b.id } } ?? lastYear
        let year = service.today.year
        let segments = SegmentTable.make(scoped, lastYear: scopedBefore, grouping: .segment(level), year: year, english: english)
        let byBranch = SegmentTable.make(all, lastYear: lastYear, grouping: .branch(service.branches), year: year, english: english, part: part)
        let scopeName = branch?.name ?? service.organisation.name
        let partName = part?.name(english: english) ?? page.t("collection_all_parts")
        // The branches' parts that work hardest and least: turnover of each branch × part with at least 20 copies.
        var cells: [String: (label: BranchLabel, part: CollectionSegment, figures: SegmentFigures)] = [:]
        for row in all {
            guard let label = service.label(row.branch) else { continue }
            cells["\(row.branch.uuidString)|\(row.segment.part.rawValue)", default: (label, row.segment.part, SegmentFigures())].figures += row.figures
        }
        let candidates = cells.values.filter { $0.figures.holdings >= 20 }
        let total = all.reduce(SegmentFigures()) { $0 + $1.figures }
        func highlight(_ c: (label: BranchLabel, part: CollectionSegment, figures: SegmentFigures)) -> Highlight {
            Highlight(branch: c.label.name, part: c.part.name(english: english), turnover: c.figures.turnover.map { formats.decimal($0, digits: 2) } ?? "–",
                      relativeUse: c.figures.relativeUse(of: total).map { formats.decimal($0, digits: 2) } ?? "–", holdings: formats.count(c.figures.holdings))
        }
        let sorted = candidates.sorted { ($0.figures.turnover ?? 0, $0.label.name, $0.part.order) > ($1.figures.turnover ?? 0, $1.label.name, $1.part.order) }
        let ends = RankingEnds.split(sorted)
        let (highlights, least) = (ends.top.map(highlight), ends.bottom.map(highlight))
        let lists = try await CollectionLists.figures(service, total: total).map { list in
            RowView(SegmentTable.Line(key: list.slug, name: list.name, figures: list.figures, turnover: list.figures.turnover, relativeUse: list.relativeUse,
                                      deadShare: list.figures.deadShare, averageAge: list.figures.averageAge(in: year), lastYear: nil), formats: formats)
        }
        let holdingsName = page.t("collection_share_holdings"), loansName = page.t("collection_share_loans")
        // The chart of the segments is drawn at the level of parts or formats (a handful of bars); finer levels stay in the table.
        let chartTable = [SegmentLevel.part, .format].contains(level) ? segments
            : SegmentTable.make(scoped, lastYear: [], grouping: .segment(.part), year: year, english: english)
        let segmentChart = chartTable.chart(title: page.t("collection_chart_segments", ["scope": scopeName]),
                                            summary: page.t("collection_chart_summary"), holdings: holdingsName, loans: loansName)
        let branchChart = byBranch.chart(title: page.t("collection_chart_branches", ["part": partName]),
                                         summary: page.t("collection_chart_summary"), holdings: holdingsName, loans: loansName)
        var query: [String] = []
        if let branch { query.append("vestiging=\(branch.slug)") }
        query.append("niveau=\(level.rawValue)")
        if let part { query.append("deel=\(part.rawValue)") }
        return try await page.render("staff/collection", Context(
            page: page.context(page.t("collection_title")), day: formats.dateWithYear(service.today), branchName: scopeName,
            query: query.joined(separator: "&amp;"),
            branches: [FormOption(value: "", label: page.t("collection_whole_library"), selected: branch == nil)]
                + service.branches.map { FormOption(value: $0.slug, label: $0.name, selected: $0.id == branch?.id) },
            levels: SegmentLevel.allCases.map { FormOption(value: $0.rawValue, label: page.t("collection_level_\($0.rawValue)"), selected: $0 == level) },
            parts: [FormOption(value: "", label: page.t("collection_all_parts"), selected: part == nil)]
                + CollectionSegment.allCases.map { FormOption(value: $0.rawValue, label: $0.name(english: english), selected: $0 == part) },
            segmentChart: segmentChart.svg(id: "segments"), segments: segments.lines.map { RowView($0, formats: formats) },
            segmentTotal: RowView(segments.total, formats: formats), branchChart: branchChart.svg(id: "branches"),
            branchRows: byBranch.lines.map { RowView($0, formats: formats) }, branchTotal: RowView(byBranch.total, formats: formats),
            partName: partName, lists: lists, hardest: highlights, least: least, hasLastYear: !lastYear.isEmpty,
            canManage: AccessPolicy.allows(service.user.role, .manageCollection)))
    }

    // MARK: CSV

    static func csv(_ table: SegmentTable, first: String, english: Bool, year: Int) -> String {
        let head = english
            ? [first, "holdings", "loans 12 months", "turnover", "relative use", "dead stock", "dead share", "average age", "holdings a year ago", "turnover a year ago"]
            : [first, "bezit", "uitleningen 12 maanden", "omloopsnelheid", "relatief gebruik", "dode collectie", "aandeel dood", "gemiddelde leeftijd",
               "bezit een jaar eerder", "omloopsnelheid een jaar eerder"]
        var out = CSVText.line(head.map { CSVText.field($0) })
        for line in table.lines + [table.total] {
            let dto = CollectionDTO.Line(line, year: year)
            func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
            out += CSVText.line([CSVText.field(line.name), String(dto.figures.holdings), dto.figures.loans_shown, number(dto.figures.turnover),
                                 number(dto.relative_use), String(dto.figures.dead), number(dto.figures.dead_share), number(dto.figures.average_age),
                                 dto.last_year.map { String($0.holdings) } ?? "", number(dto.last_year?.turnover)])
        }
        return out
    }

    func segmentsCSV(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req)
        let english = Language.of(req) == .en
        let (branch, level, _) = try options(req, service)
        let (now, then) = try await service.rows(branch: branch?.id)
        let table = SegmentTable.make(now, lastYear: then, grouping: .segment(level), year: service.today.year, english: english)
        return CSVText.response(Self.csv(table, first: english ? "segment" : "segment", english: english, year: service.today.year),
                                filename: "collectie-\(branch?.slug ?? "alle")-\(level.rawValue)-\(service.today.iso).csv", bom: true)
    }

    func branchesCSV(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req)
        let english = Language.of(req) == .en
        let (_, _, part) = try options(req, service)
        let (now, then) = try await service.rows()
        let table = SegmentTable.make(now, lastYear: then, grouping: .branch(service.branches), year: service.today.year, english: english, part: part)
        return CSVText.response(Self.csv(table, first: english ? "branch" : "vestiging", english: english, year: service.today.year),
                                filename: "collectie-vestigingen-\(part?.rawValue ?? "alle")-\(service.today.iso).csv", bom: true)
    }

    // MARK: Thresholds

    struct ThresholdView: Encodable {
        let part: String
        let partName: String
        let heading: String
        let scopeName: String
        let own: Bool
        let maxAge: String
        let idle: Int
        let worn: Int
        let perCopy: Int
    }

    struct ThresholdContext: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let form: FormValues
        let rows: [ThresholdView]
        let parts: [FormOption]
        let canManage: Bool
    }

    func thresholds(req: Request) async throws -> Response {
        try await renderThresholds(req, refused: nil)
    }

    func renderThresholds(_ req: Request, refused: (error: BiebError, form: FormValues)?) async throws -> Response {
        let service = try await CollectionService.make(req)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let rows = CollectionDTO.thresholds(try await service.policy()).map { t in
            let part = CollectionSegment(rawValue: t.part) ?? .adultFiction
            return ThresholdView(part: t.part, partName: part.name(english: english), heading: t.heading.map(String.init) ?? "",
                                 scopeName: t.heading.map { ShelfSegment.headingName($0, english: english) } ?? page.t("collection_whole_part"),
                                 own: t.own, maxAge: t.max_age_years.map(String.init) ?? "–", idle: t.idle_months, worn: t.worn_loans, perCopy: t.loans_per_copy)
        }
        let chosen = refused?.form.values["part"]?.first
        return try await page.render("staff/collection-thresholds", ThresholdContext(
            page: page.context(page.t("collection_thresholds_title")),
            errors: page.formErrors(refused?.error, fields: ThresholdFields.names), form: refused?.form ?? FormValues(), rows: rows,
            parts: CollectionSegment.allCases.map { FormOption(value: $0.rawValue, label: $0.name(english: english), selected: $0.rawValue == chosen) },
            canManage: AccessPolicy.allows(service.user.role, .manageCollection)),
            status: refused == nil ? .ok : .unprocessableEntity)
    }

    func setThreshold(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let form = try req.content.decode([String: String].self)
        do {
            let fields = try req.content.decode(ThresholdFields.self).decoded()
            try await WeedingSettings(service.db, organisationID: service.organisationID).set(fields.thresholds, part: fields.part, heading: fields.heading)
            return req.redirect(to: "/staff/collectie/drempels", done: "thresholds_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await renderThresholds(req, refused: (error, FormValues(form.mapValues { [$0] })))
        }
    }

    func resetThreshold(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let form = try req.content.decode([String: String].self)
        guard let part = form["part"].flatMap(CollectionSegment.init(rawValue:)) else { throw BiebError.invalid("part", "Unknown part.", nl: "Onbekend deel.") }
        try await WeedingSettings(service.db, organisationID: service.organisationID).reset(part: part, heading: form["heading"].flatMap { Int($0) })
        return req.redirect(to: "/staff/collectie/drempels", done: "thresholds_reset")
    }
}
