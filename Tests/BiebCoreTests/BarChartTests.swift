import Foundation
import Testing
import BiebCore

@Suite("Bar charts") struct BarChartTests {
    @Test func axisMaximaAreRound() {
        #expect(BarChart.axisMaximum(0) == 1)
        #expect(BarChart.axisMaximum(7) == 10)
        #expect(BarChart.axisMaximum(10) == 10)
        #expect(BarChart.axisMaximum(11) == 20)
        #expect(BarChart.axisMaximum(430) == 500)
        #expect(BarChart.axisMaximum(2_001) == 5_000)
    }

    @Test func barsAreScaledAndNamedForScreenReaders() throws {
        let chart = BarChart(title: "Uitleningen <per> maand", summary: "2026 & 2025", labels: ["jan", "feb"],
                             series: [.init(name: "2026", values: [50, 100]), .init(name: "2025", values: [25, 0])])
        let svg = chart.svg(id: "loans")
        #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 640 260" role="img" aria-labelledby="loans-title loans-desc">"#))
        #expect(svg.contains(#"<title id="loans-title">Uitleningen &lt;per&gt; maand</title><desc id="loans-desc">2026 &amp; 2025</desc>"#))
        // Four bars, each with its number; the tallest reaches the top of the plot, zero has no height.
        let bars = svg.matches(of: /<rect x="[0-9.]+" y="([0-9.]+)" width="[0-9.]+" height="([0-9.]+)" fill="#[0-9a-f]+"><title>([^<]*)<\/title><\/rect>/)
        #expect(bars.count == 4)
        let heights = bars.map { Double($0.2)! }
        #expect(heights[1] == 198.0)   // 100 of 100: the plot's full height (260 − 28 − 12 − 22)
        #expect(heights[0] == 99.0)
        #expect(heights[3] == 0.0)
        #expect(bars.map { String($0.3) } == ["2026, jan: 50", "2026, feb: 100", "2025, jan: 25", "2025, feb: 0"])
        // No fixed width: it scales to a phone.
        #expect(!svg.contains("width=\"640\""))
    }

    @Test func numbersAreWrittenInThePagesLanguage() {
        let series: [BarChart.Series] = [.init(name: "2026", values: [41_250, 378_186])]
        let dutch = BarChart(title: "t", summary: "s", labels: ["jan", "feb"], series: series).svg(id: "nl")
        let english = BarChart(title: "t", summary: "s", labels: ["jan", "feb"], series: series, locale: Locale(identifier: "en_GB")).svg(id: "en")
        // The axis (0, half, the round maximum) and each bar's number, grouped by thousands.
        let axis = /text-anchor="end" font-size="12" fill="#1b1b1f">([^<]*)<\/text>/
        #expect(dutch.matches(of: axis).map { String($0.1) } == ["0", "250.000", "500.000"])
        #expect(english.matches(of: axis).map { String($0.1) } == ["0", "250,000", "500,000"])
        #expect(dutch.contains("<title>2026, feb: 378.186</title>") && english.contains("<title>2026, feb: 378,186</title>"))
    }
}
