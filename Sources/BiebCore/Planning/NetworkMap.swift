import Foundation

/// The branch network on a map, as SVG drawn on the server from
/// coordinates: each area a circle at its centroid, sized by its
/// inhabitants (area ∝ inhabitants) and filled by its reach — within reach
/// of a library, or a gap (hatched as well as coloured, so it is told apart
/// without colour) — a thin line from each area to its library (the
/// catchments), and each location a mark by kind (a square for the central
/// library, a circle for a district library, a triangle for a
/// neighbourhood library, a diamond for an outreach point, a ring for a
/// library in a partner's building). A title and a description for screen
/// readers; the numbers themselves are in the tables beside it. It scales
/// to the width it gets (a `viewBox`), so it fits a 320 px phone.
///
/// The projection is a flat one around the middle of the drawing
/// (longitude scaled by the cosine of the latitude): true to a city's or a
/// province's shape.
public struct NetworkMap: Sendable {
    public struct Legend: Sendable {
        public var withinReach: String
        public var gap: String
        public var kinds: [BranchKind: String]
        /// The language the numbers are written in ("12.000" in Dutch, "12,000" in English).
        public var locale: Locale

        public init(withinReach: String, gap: String, kinds: [BranchKind: String], locale: Locale = Locale(identifier: "nl_NL")) {
            self.withinReach = withinReach
            self.gap = gap
            self.kinds = kinds
            self.locale = locale
        }
    }

    public var title: String
    public var summary: String
    public var areas: [(area: PlanningArea, reach: AreaReach)]
    public var branches: [PlannedBranch]
    public var legend: Legend

    public init(title: String, summary: String, areas: [PlanningArea], coverage: Coverage, branches: [PlannedBranch], legend: Legend) {
        self.title = title
        self.summary = summary
        self.areas = Array(zip(areas, coverage.areas))
        self.branches = branches
        self.legend = legend
    }

    static let width = 640.0, margin = 24.0, legendHeight = 64.0
    /// Within reach and gap: dark enough against white and against each other (3:1 and more).
    static let reachFill = "#0b5cad", gapFill = "#a3320b", branchFill = "#1b1b1f"

    public func svg(id: String) -> String {
        let points = areas.map(\.area.point) + branches.map(\.point)
        guard !points.isEmpty else {
            return ##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 640 80" role="img" aria-labelledby="\##(id)-title"><title id="\##(id)-title">\##(escape(title))</title></svg>"##
        }
        let south = points.map(\.latitude).min()!, north = points.map(\.latitude).max()!
        let west = points.map(\.longitude).min()!, east = points.map(\.longitude).max()!
        let scale = cos((south + north) / 2 * .pi / 180)
        let spanX = max((east - west) * scale, 0.001), spanY = max(north - south, 0.001)
        let plotWidth = Self.width - 2 * Self.margin
        let unit = plotWidth / spanX
        let plotHeight = min(spanY * unit, plotWidth * 1.4)
        let unitY = plotHeight / spanY
        let height = plotHeight + 2 * Self.margin + Self.legendHeight
        func x(_ p: GeoPoint) -> Double { Self.margin + (p.longitude - west) * scale * unit }
        func y(_ p: GeoPoint) -> Double { Self.margin + (north - p.latitude) * unitY }
        func n(_ value: Double) -> String { String(format: "%.1f", value) }
        let largest = Double(areas.map(\.area.inhabitants).max() ?? 1)
        // The largest area a circle of 5 % of the width across; a circle's area follows the inhabitants.
        func radius(_ inhabitants: Int) -> Double { max(2, plotWidth * 0.05 * (Double(inhabitants) / max(largest, 1)).squareRoot()) }
        let where_ = Dictionary(uniqueKeysWithValues: branches.map { ($0.id, $0.point) })
        var parts: [String] = []
        parts.append(##"<svg xmlns="http://www.w3.org/2000/svg" class="chart map" viewBox="0 0 \##(Int(Self.width)) \##(Int(height.rounded(.up)))" role="img" aria-labelledby="\##(id)-title \##(id)-desc">"##)
        parts.append("<title id=\"\(id)-title\">\(escape(title))</title><desc id=\"\(id)-desc\">\(escape(summary))</desc>")
        parts.append(##"<defs><pattern id="\##(id)-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="\##(Self.gapFill)" fill-opacity="0.35"/><line x1="0" y1="0" x2="0" y2="6" stroke="\##(Self.gapFill)" stroke-width="2.5"/></pattern></defs>"##)
        // The catchments: a line from each area to its library.
        for (area, reach) in areas {
            guard let library = reach.library, let to = where_[library.branch] else { continue }
            parts.append(##"<line x1="\##(n(x(area.point)))" y1="\##(n(y(area.point)))" x2="\##(n(x(to)))" y2="\##(n(y(to)))" stroke="#767a85" stroke-width="1"/>"##)
        }
        for (area, reach) in areas.sorted(by: { $0.area.inhabitants > $1.area.inhabitants }) {
            let fill = reach.isGap ? "url(#\(id)-hatch)" : Self.reachFill
            let stroke = reach.isGap ? Self.gapFill : Self.reachFill
            parts.append(##"<circle cx="\##(n(x(area.point)))" cy="\##(n(y(area.point)))" r="\##(n(radius(area.inhabitants)))" fill="\##(fill)" fill-opacity="\##(reach.isGap ? "1" : "0.35")" stroke="\##(stroke)" stroke-width="1.5"><title>\##(escape(area.name)): \##(area.inhabitants.formatted(.number.locale(legend.locale))) (\##(escape(reach.isGap ? legend.gap : legend.withinReach)))</title></circle>"##)
        }
        for branch in branches {
            parts.append(mark(branch.kind, x: x(branch.point), y: y(branch.point), title: "\(branch.name) (\(legend.kinds[branch.kind] ?? branch.kind.rawValue))"))
        }
        // The legend below the map.
        let top = plotHeight + 2 * Self.margin
        parts.append(##"<circle cx="\##(n(Self.margin + 6))" cy="\##(n(top + 8))" r="6" fill="\##(Self.reachFill)" fill-opacity="0.35" stroke="\##(Self.reachFill)" stroke-width="1.5"/><text x="\##(n(Self.margin + 18))" y="\##(n(top + 12))" font-size="12" fill="#1b1b1f">\##(escape(legend.withinReach))</text>"##)
        parts.append(##"<circle cx="\##(n(Self.margin + 206))" cy="\##(n(top + 8))" r="6" fill="url(#\##(id)-hatch)" stroke="\##(Self.gapFill)" stroke-width="1.5"/><text x="\##(n(Self.margin + 218))" y="\##(n(top + 12))" font-size="12" fill="#1b1b1f">\##(escape(legend.gap))</text>"##)
        for (index, kind) in BranchKind.allCases.enumerated() {
            let lx = Self.margin + Double(index % 3) * 200, ly = top + 32 + Double(index / 3) * 20
            parts.append(mark(kind, x: lx + 6, y: ly, title: nil))
            parts.append(##"<text x="\##(n(lx + 18))" y="\##(n(ly + 4))" font-size="12" fill="#1b1b1f">\##(escape(legend.kinds[kind] ?? kind.rawValue))</text>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }

    /// A location's mark by its kind.
    func mark(_ kind: BranchKind, x: Double, y: Double, title: String?) -> String {
        func n(_ value: Double) -> String { String(format: "%.1f", value) }
        let titled = title.map { "<title>\(escape($0))</title>" } ?? ""
        let style = ##"fill="\##(Self.branchFill)" stroke="#ffffff" stroke-width="1.5""##
        switch kind {
        case .central:
            return ##"<rect x="\##(n(x - 7))" y="\##(n(y - 7))" width="14" height="14" \##(style)>\##(titled)</rect>"##
        case .district:
            return ##"<circle cx="\##(n(x))" cy="\##(n(y))" r="6" \##(style)>\##(titled)</circle>"##
        case .neighbourhood:
            return ##"<path d="M\##(n(x)) \##(n(y - 7))L\##(n(x + 7)) \##(n(y + 6))L\##(n(x - 7)) \##(n(y + 6))Z" \##(style)>\##(titled)</path>"##
        case .outreachPoint:
            return ##"<path d="M\##(n(x)) \##(n(y - 7))L\##(n(x + 7)) \##(n(y))L\##(n(x)) \##(n(y + 7))L\##(n(x - 7)) \##(n(y))Z" \##(style)>\##(titled)</path>"##
        case .partnerHosted:
            return ##"<circle cx="\##(n(x))" cy="\##(n(y))" r="5" fill="#ffffff" stroke="\##(Self.branchFill)" stroke-width="3">\##(titled)</circle>"##
        }
    }

    func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
