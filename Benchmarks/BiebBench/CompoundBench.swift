import BiebCore
import Foundation

/// `bieb-bench compounds WORDLIST [MARCFILE] [--sample]`: what splitting Dutch
/// compounds costs. Loading the list; splitting every word of 8 letters or more
/// in it; and the search terms of 50,000 records (the MARC file's, read as
/// Dutch) with and without splitting, side by side in one run. `--sample`
/// prints every 997th long word of the list with its parts, the sample the
/// precision in docs/PERFORMANCE.md was judged on.
func benchmarkCompounds(wordList path: String, marc: String?, sample: Bool) {
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        print("cannot read \(path) (apt-get install wdutch)")
        return
    }
    var compounds: DutchCompounds!
    let load = clock.measure { compounds = DutchCompounds(wordList: text) }
    print(String(format: "load %@: %d words kept in %.2f s; peak memory %d MB", path, compounds.count, seconds(load), peakMemoryMB()))

    let long = text.split(separator: "\n").map(String.init)
        .filter { $0.utf8.count >= 8 && $0.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A } }
    var split = 0
    let splitTime = clock.measure { for word in long where !compounds.parts(of: word).isEmpty { split += 1 } }
    print(String(format: "split: %d words of 8+ letters, %d split (%.0f %%), %.2f µs/word (%.0f words/s)", long.count, split,
                 Double(split) / Double(long.count) * 100, seconds(splitTime) / Double(long.count) * 1e6,
                 Double(long.count) / seconds(splitTime)))
    if sample {
        for (index, word) in long.enumerated() where index % 997 == 0 {
            let parts = compounds.parts(of: word)
            print("  \(word) → \(parts.isEmpty ? "(whole)" : parts.joined(separator: " + "))")
        }
    }

    guard let marc, let source = try? FileByteSource(path: marc) else { return }
    var reader = ISO2709Reader(source)
    var titles: [TitleRecord] = []
    while titles.count < 50_000, let result = reader.next() {
        if case .success(let read) = result {
            var title = MARCMapping.title(from: read.record)
            title.language = "dut"
            titles.append(title)
        }
    }
    // Turn by turn, three rounds each; the best of each.
    var plain = Double.infinity, splitting = Double.infinity
    var terms = (0, 0)
    for _ in 0..<3 {
        let cacheA = StemCache(), cacheB = StemCache()
        plain = min(plain, seconds(clock.measure { for t in titles { terms.0 += SearchDocument(t, cache: cacheA).title.count } }))
        splitting = min(splitting, seconds(clock.measure {
            for t in titles { terms.1 += SearchDocument(t, cache: cacheB, compounds: compounds).title.count }
        }))
    }
    print(String(format: "search terms of %d records as Dutch: %.1f µs/record whole, %.1f µs/record split (×%.2f); title text %.1f %% longer",
                 titles.count, plain / Double(titles.count) * 1e6, splitting / Double(titles.count) * 1e6, splitting / plain,
                 (Double(terms.1) / Double(terms.0) - 1) * 100))
}
