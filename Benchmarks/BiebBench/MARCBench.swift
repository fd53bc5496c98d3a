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

/// Writes `copies` variants of every record of a real file: a new 001, no
/// ISBN (so they do not match the originals), a volume number in the title
/// (so they are other works) and a year moved a little. Together with the
/// originals they make a large, realistic catalogue for benchmarks.
func generateMARC(from input: String, to output: String, copies: Int, first: Int = 1) {
    guard let source = try? FileByteSource(path: input) else { print("cannot open \(input)"); return }
    FileManager.default.createFile(atPath: output, contents: nil)
    guard let handle = FileHandle(forWritingAtPath: output) else { print("cannot write \(output)"); return }
    var reader = ISO2709Reader(source)
    var count = 0
    var buffer = Data()
    while let result = reader.next() {
        guard case .success(let read) = result else { continue }
        for copy in first..<(first + copies) {
            var record = read.record
            record.fields.removeAll { $0.tag == "020" || $0.tag == "852" || $0.tag == "949" }
            for index in record.fields.indices {
                switch record.fields[index].tag {
                case "001": record.fields[index].value = "syn\(copy)-\(read.record.controlNumber ?? String(count))"
                case "245":
                    if let a = record.fields[index].subfields.firstIndex(where: { $0.code == "a" }) {
                        record.fields[index].subfields.insert(MARCSubfield("n", "Vol. \(copy + 1)."), at: a + 1)
                    }
                case "008":
                    if var chars = record.fields[index].value.map { Array($0) }, chars.count >= 11,
                       let year = Int(String(chars[7..<11])) {
                        chars.replaceSubrange(7..<11, with: Array(String(format: "%04d", min(2025, year + copy * 7))))
                        record.fields[index].value = String(chars)
                    }
                default: break
                }
            }
            if let bytes = try? ISO2709Writer.encode(record) { buffer.append(contentsOf: bytes) }
            count += 1
        }
        if buffer.count > 4 << 20 {
            handle.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
    handle.write(buffer)
    try? handle.close()
    print("wrote \(count) records to \(output)")
}
