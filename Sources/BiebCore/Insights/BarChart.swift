import Foundation

/// A bar chart as SVG, drawn on the server: groups of bars (one per
/// series) along a row of labels, scaled to the largest value, with a
/// title and a description for screen readers (`role="img"`,
/// `aria-labelledby`). The numbers themselves go in a table next to it:
/// the chart never is the only way to read them. It scales to the width
/// it gets (a `viewBox`, no fixed width), so it fits a 320 px phone.
public struct BarChart: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        public let name: String
        public let values: [Int]

        public init(name: String, values: [Int]) {
            self.name = name
            self.values = values
        }
    }

    public let title: String
    public let summary: String
    public let labels: [String]
    public let series: [Series]
    /// The language its numbers are written in: "50.000" in Dutch, "50,000" in English.
    public let locale: Locale

    public init(title: String, summary: String, labels: [String], series: [Series], locale: Locale = Locale(identifier: "nl_NL")) {
        self.title = title
        self.summary = summary
        self.labels = labels
        self.series = series
        self.locale = locale
    }

    /// Fills of the series in turn: dark enough against white (3:1 and more), told apart by the legend and the table too.
    public static let fills = ["#0b5cad", "#7a4d00", "#126b2f", "#6d0f18"]

    static let width = 640.0, height = 260.0, left = 48.0, bottom = 28.0, top = 12.0, legend = 22.0

    /// The largest value rounded up to a round number for the axis (1, 2 or 5 × a power of ten).
    public static func axisMaximum(_ value: Int) -> Int {
        guard value > 0 else { return 1 }
        var power = 1
        while power * 10 <= value { power *= 10 }
        for step in [1, 2, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }

    /// The chart; `id` makes its title and description ids unique on the page.
    public func svg(id: String) -> String {
        let maximum = Self.axisMaximum(series.flatMap(\.values).max() ?? 0)
        let plotHeight = Self.height - Self.bottom - Self.top - Self.legend
        let groupWidth = (Self.width - Self.left) / Double(max(labels.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        func y(_ value: Int) -> Double { Self.top + Self.legend + plotHeight * (1 - Double(value) / Double(maximum)) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }
        func count(_ value: Int) -> String { value.formatted(.number.locale(locale)) }
        var parts: [String] = []
        parts.append(##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \##(Int(Self.width)) \##(Int(Self.height))" role="img" aria-labelledby="\##(id)-title \##(id)-desc">"##)
        parts.append("<title id=\"\(id)-title\">\(Self.escape(title))</title><desc id=\"\(id)-desc\">\(Self.escape(summary))</desc>")
        // The axis: zero, half and the maximum, with light lines across.
        for value in [0, maximum / 2, maximum] {
            parts.append(##"<line x1="\##(number(Self.left))" x2="\##(number(Self.width))" y1="\##(number(y(value)))" y2="\##(number(y(value)))" stroke="#c9ccd3" stroke-width="1"/>"##)
            parts.append(##"<text x="\##(number(Self.left - 6))" y="\##(number(y(value) + 4))" text-anchor="end" font-size="12" fill="#1b1b1f">\##(count(value))</text>"##)
        }
        for (s, serie) in series.enumerated() {
            let fill = Self.fills[s % Self.fills.count]
            // The legend above the plot.
            let x = Self.left + Double(s) * 170
            parts.append(##"<rect x="\##(number(x))" y="2" width="12" height="12" fill="\##(fill)"/><text x="\##(number(x + 16))" y="12" font-size="12" fill="#1b1b1f">\##(Self.escape(serie.name))</text>"##)
            for (index, value) in serie.values.enumerated() where index < labels.count {
                let barX = Self.left + Double(index) * groupWidth + groupWidth * 0.1 + Double(s) * barWidth
                let top = y(value)
                parts.append(##"<rect x="\##(number(barX))" y="\##(number(top))" width="\##(number(barWidth))" height="\##(number(y(0) - top))" fill="\##(fill)"><title>\##(Self.escape(serie.name)), \##(Self.escape(labels[index])): \##(count(value))</title></rect>"##)
            }
        }
        for (index, label) in labels.enumerated() {
            let x = Self.left + Double(index) * groupWidth + groupWidth / 2
            parts.append(##"<text x="\##(number(x))" y="\##(number(Self.height - 8))" text-anchor="middle" font-size="12" fill="#1b1b1f">\##(Self.escape(label))</text>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
