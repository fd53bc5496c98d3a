import BiebCore
import Foundation

/// Reads every record of an ISO 2709 file (streaming), then writes each back
/// as ISO 2709 and MARCXML, and reports records per second and peak memory.
func benchmarkMARC(path: String) {
    let clock = ContinuousClock()
    var records = 0
    var failures = 0
    var warnings = 0
    var written = 0
    var xmlBytes = 0
    guard let source = try? FileByteSource(path: path) else {
        print("cannot open \(path)")
        return
    }
    var reader = ISO2709Reader(source)
    let readTime = clock.measure {
        while let result = reader.next() {
            switch result {
            case .success(let read):
                records += 1
                warnings += read.warnings.isEmpty ? 0 : 1
            case .failure:
                failures += 1
            }
        }
    }
    let bytes = reader.bytesRead
    let seconds = Double(readTime.components.seconds) + Double(readTime.components.attoseconds) / 1e18
    print(String(format: "read ISO 2709: %d records (%d failed, %d with warnings), %.1f MB in %.2f s: %.0f records/s, %.1f MB/s",
                 records, failures, warnings, Double(bytes) / 1e6, seconds, Double(records) / seconds, Double(bytes) / 1e6 / seconds))
    print("peak resident memory while reading: \(peakMemoryMB()) MB (the file is streamed, not loaded)")

    // Mapping to title fields and search terms, on the first 50,000 records.
    var reader3 = ISO2709Reader(try! FileByteSource(path: path))
    var sample50: [MARCRecord] = []
    while sample50.count < 50_000, let result = reader3.next() {
        if case .success(let read) = result { sample50.append(read.record) }
    }
    var titles: [TitleRecord] = []
    let mapTime = clock.measure { titles = sample50.map(MARCMapping.title(from:)) }
    let cache = StemCache()
    var terms = 0
    let docTime = clock.measure {
        for title in titles { terms += SearchDocument(title, cache: cache).title.count }
    }
    func perRecord(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return String(format: "%.1f µs/record (%.0f records/s)", s / Double(sample50.count) * 1e6, Double(sample50.count) / s)
    }
    print("map to title fields: \(perRecord(mapTime)); search terms: \(perRecord(docTime))")

    // Write back the first 100,000 records both ways.
    var reader2 = ISO2709Reader(try! FileByteSource(path: path))
    var sample: [MARCRecord] = []
    while sample.count < 100_000, let result = reader2.next() {
        if case .success(let read) = result { sample.append(read.record) }
    }
    let writeTime = clock.measure {
        for record in sample {
            written += (try? ISO2709Writer.encode(record).count) ?? 0
            xmlBytes += MARCXML.record(record).utf8.count
        }
    }
    let writeSeconds = Double(writeTime.components.seconds) + Double(writeTime.components.attoseconds) / 1e18
    print(String(format: "write ISO 2709 + MARCXML: %d records in %.2f s: %.0f records/s", sample.count, writeSeconds,
                 Double(sample.count) / writeSeconds))
    print("peak resident memory after holding the 100,000 written records: \(peakMemoryMB()) MB")
}

func peakMemoryMB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        return kb / 1024
    }
    return -1
}
