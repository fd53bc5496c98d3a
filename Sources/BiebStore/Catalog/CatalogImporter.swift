import Foundation
import SQLKit
import BiebCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// How far an import is.
public struct ImportProgress: Sendable {
    public let records: Int
    public let bytesRead: Int
    public let totalBytes: Int
    public let seconds: Double

    public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }
    public var fraction: Double { totalBytes > 0 ? min(1, Double(bytesRead) / Double(totalBytes)) : 0 }
    /// Seconds left, from the bytes still to read at the rate so far.
    public var eta: Double? {
        guard bytesRead > 0, seconds > 0.5 else { return nil }
        return Double(totalBytes - bytesRead) / (Double(bytesRead) / seconds)
    }
}

/// The outcome of an import.
public struct ImportReport: Sendable {
    public struct Rejection: Sendable, CustomStringConvertible {
        public let position: MARCPosition
        public let controlNumber: String?
        public let reason: String

        public var description: String {
            "\(position)\(controlNumber.map { " [001 \($0)]" } ?? ""): \(reason)"
        }
    }

    public var inserted = 0
    public var updated = 0
    public var rejected: [Rejection] = []
    public var warnings: [Rejection] = []
    public var seconds = 0.0
    /// Of `seconds`, the time spent waiting for the database to store batches.
    public var storeSeconds = 0.0

    public var read: Int { inserted + updated + rejected.count }
}

/// Imports MARC 21 files (ISO 2709 or MARCXML) into an organisation's
/// catalogue. The file is streamed: one thread reads and maps records while
/// the database stores the previous batch; memory stays flat whatever the
/// file size. A record that cannot be read or stored is reported with its
/// position and reason and never stops the others; nothing of a rejected
/// record is written.
public struct CatalogImporter: Sendable {
    public enum Format: String, Sendable { case iso2709, marcxml }

    public let store: CatalogStore
    public var batchSize = 500

    public init(store: CatalogStore) {
        self.store = store
    }

    /// ISO 2709 unless the file starts with `<` (after white space).
    public static func detectFormat(path: String) -> Format {
        guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 512) else { return .iso2709 }
        try? handle.close()
        return head.first(where: { ![0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF].contains($0) }) == UInt8(ascii: "<") ? .marcxml : .iso2709
    }

    public func importFile(path: String, format: Format? = nil, defaultBranch: UUID?, itemsPerTitle: Int = 0,
                           progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }) async throws -> ImportReport {
        if itemsPerTitle > 0, defaultBranch == nil, try await store.branchesBySlug().isEmpty {
            // Found out before reading, not as a rejection of every record.
            throw BiebError.invalid("--items", "The organisation has no branches to put generated copies in; add a branch first.",
                                    nl: "De organisatie heeft geen vestigingen om exemplaren in te zetten; voeg eerst een vestiging toe.")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let total = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let format = format ?? Self.detectFormat(path: path)
        let pipe = RecordPipe(capacity: batchSize * 4)
        let started = Date()

        // Reading, mapping and preparing (search terms, ISO 2709 bytes) on a
        // thread of its own, in order (a later record with the same 001 still
        // wins); the database work runs meanwhile on the other core. One
        // preparing thread keeps up with the database, and more would take
        // CPU from the async tasks that feed it (measured: 12,000 records/s
        // with one, 9,000 with two on this 2-core machine).
        let reader = Thread {
            let caches = [StemCache()]
            switch format {
            case .iso2709:
                guard let source = try? FileByteSource(path: path) else {
                    pipe.finish(error: "cannot open \(path)")
                    return
                }
                var iterator = ISO2709Reader(source)
                var chunk: [Result<MARCReadRecord, MARCReadError>] = []
                func flush() {
                    let prepared = Self.prepare(chunk, caches: caches)
                    for item in prepared { pipe.push(item, bytesRead: iterator.bytesRead) }
                    chunk.removeAll(keepingCapacity: true)
                }
                while let result = iterator.next() {
                    chunk.append(result)
                    if chunk.count == 256 { flush() }
                }
                flush()
            case .marcxml:
                guard let stream = InputStream(fileAtPath: path) else {
                    pipe.finish(error: "cannot open \(path)")
                    return
                }
                let counter = ByteCountingStream(stream)
                if let error = MARCXML.read(counter.stream, { result in pipe.push(Self.incoming(result, cache: caches[0]), bytesRead: counter.bytes) }) {
                    pipe.push(.failure(error), bytesRead: total)
                }
            }
            pipe.finish(error: nil)
        }
        reader.stackSize = 8 << 20
        reader.start()

        let branches = try await store.branchesBySlug()
        var report = ImportReport()
        // PostgreSQL plans the batches' lookups (titles by control number, by ISBN) from its statistics; an import into
        // an empty catalogue would otherwise scan the growing table for every batch (12.8 s of a 94 s import of 250,000
        // records, measured). Fresh statistics each time the catalogue has doubled: one quick ANALYZE per doubling.
        let postgres = store.db.sql.dialect.name != "sqlite"
        var analyzedAt = 500
        while true {
            let (batch, bytes) = await pipe.popBatch(max: batchSize)
            if batch.isEmpty { break }
            var good: [IncomingTitle] = []
            for item in batch {
                switch item {
                case .success(let incoming):
                    good.append(incoming)
                case .failure(let error):
                    report.rejected.append(.init(position: error.position, controlNumber: error.controlNumber, reason: error.reason))
                }
            }
            for incoming in good {
                if let position = incoming.position, !incoming.warnings.isEmpty {
                    for warning in incoming.warnings {
                        report.warnings.append(.init(position: position, controlNumber: incoming.record.controlNumber, reason: warning))
                    }
                }
            }
            let storing = Date()
            try await store(good, into: &report, branches: branches, defaultBranch: defaultBranch, itemsPerTitle: itemsPerTitle)
            if postgres, report.inserted >= 2 * analyzedAt {
                try await store.db.sql.raw("ANALYZE titles, title_isbns").run()
                analyzedAt = report.inserted
            }
            report.storeSeconds += Date().timeIntervalSince(storing)
            progress(ImportProgress(records: report.read, bytesRead: bytes, totalBytes: total, seconds: Date().timeIntervalSince(started)))
        }
        if let error = pipe.error { throw BiebError.invalid("FILE", error) }
        // Fresh statistics, so the query planner knows the catalogue's new size.
        try await BiebDatabase.analyze(store.db.sql)
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Stores a batch; when the database refuses the batch, each record is
    /// tried on its own so only the faulty ones are rejected.
    func store(_ batch: [IncomingTitle], into report: inout ImportReport, branches: [String: UUID], defaultBranch: UUID?,
               itemsPerTitle: Int) async throws {
        guard !batch.isEmpty else { return }
        func tally(_ outcomes: [UpsertOutcome], _ titles: [IncomingTitle]) {
            for (outcome, incoming) in zip(outcomes, titles) {
                switch outcome {
                case .inserted: report.inserted += 1
                case .updated: report.updated += 1
                case .rejected(let reason):
                    report.rejected.append(.init(position: incoming.position ?? MARCPosition(record: 0, byteOffset: 0),
                                                 controlNumber: incoming.record.controlNumber, reason: reason))
                }
            }
        }
        // A database that is full, out of reach or still busy is no record's fault: the import stops there, with every
        // batch before stored whole (run it again to finish; what is stored is updated). Anything else is tried record by
        // record, so one record the database refuses does not take its batch with it.
        func stopsTheImport(_ error: any Error) -> Bool {
            DatabaseFull.matches(error) || DatabaseUnreachable.matches(error) || DatabaseBusy.matches(error)
        }
        do {
            tally(try await store.upsert(batch, branches: branches, defaultBranch: defaultBranch, generatedItemsPerTitle: itemsPerTitle), batch)
        } catch where stopsTheImport(error) {
            throw error
        } catch {
            for incoming in batch {
                do {
                    tally(try await store.upsert([incoming], branches: branches, defaultBranch: defaultBranch,
                                                 generatedItemsPerTitle: itemsPerTitle), [incoming])
                } catch where stopsTheImport(error) {
                    throw error
                } catch {
                    report.rejected.append(.init(position: incoming.position ?? MARCPosition(record: 0, byteOffset: 0),
                                                 controlNumber: incoming.record.controlNumber,
                                                 reason: "the database refused it: \(String(describing: error).prefix(300))"))
                }
            }
        }
    }

    /// Prepares a chunk of records on as many threads as there are caches, keeping their order.
    static func prepare(_ chunk: [Result<MARCReadRecord, MARCReadError>], caches: [StemCache]) -> [Result<IncomingTitle, MARCReadError>] {
        guard !chunk.isEmpty else { return [] }
        if caches.count == 1 { return chunk.map { incoming($0, cache: caches[0]) } }
        let parts = caches.count
        let size = (chunk.count + parts - 1) / parts
        let results = PreparedChunks(parts: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (part * size)..<Swift.min(chunk.count, (part + 1) * size)
            let prepared = range.isEmpty ? [] : chunk[range].map { incoming($0, cache: caches[part]) }
            results.set(part, prepared)
        }
        return results.joined()
    }

    static func incoming(_ result: Result<MARCReadRecord, MARCReadError>, cache: StemCache) -> Result<IncomingTitle, MARCReadError> {
        switch result {
        case .success(let read):
            do {
                var incoming = try IncomingTitle(marc: read.record, position: read.position, cache: cache)
                incoming.warnings = read.warnings
                return .success(incoming)
            } catch {
                return .failure(MARCReadError(position: read.position, reason: "\(error)", controlNumber: read.record.controlNumber))
            }
        case .failure(let error):
            return .failure(error)
        }
    }
}

/// A bounded hand-over between the reading thread and the storing task.
final class RecordPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [Result<IncomingTitle, MARCReadError>] = []
    private var bytes = 0
    private var finished = false
    private(set) var error: String?
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func push(_ item: Result<IncomingTitle, MARCReadError>, bytesRead: Int) {
        condition.lock()
        while buffer.count >= capacity { condition.wait() }
        buffer.append(item)
        bytes = bytesRead
        condition.signal()
        condition.unlock()
    }

    func finish(error: String?) {
        condition.lock()
        finished = true
        self.error = error
        condition.broadcast()
        condition.unlock()
    }

    /// Up to `max` items, waiting (off the async threads) until some are there; empty at the end.
    func popBatch(max: Int) async -> ([Result<IncomingTitle, MARCReadError>], Int) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.condition.lock()
                while self.buffer.isEmpty && !self.finished { self.condition.wait() }
                let count = Swift.min(max, self.buffer.count)
                let batch = Array(self.buffer.prefix(count))
                self.buffer.removeFirst(count)
                let bytes = self.bytes
                self.condition.broadcast()
                self.condition.unlock()
                continuation.resume(returning: (batch, bytes))
            }
        }
    }
}

/// Counts the bytes an XML parser has taken from a file stream (where the
/// platform reports the offset; otherwise progress counts records only).
final class ByteCountingStream: @unchecked Sendable {
    let stream: InputStream
    var bytes: Int {
        (stream.property(forKey: .fileCurrentOffsetKey) as? NSNumber)?.intValue ?? 0
    }

    init(_ stream: InputStream) {
        self.stream = stream
    }
}

/// Results of parallel preparation, one slot per part.
final class PreparedChunks: @unchecked Sendable {
    private var parts: [[Result<IncomingTitle, MARCReadError>]]
    private let lock = NSLock()

    init(parts: Int) { self.parts = Array(repeating: [], count: parts) }

    func set(_ index: Int, _ value: [Result<IncomingTitle, MARCReadError>]) {
        lock.lock()
        parts[index] = value
        lock.unlock()
    }

    func joined() -> [Result<IncomingTitle, MARCReadError>] {
        lock.lock()
        defer { lock.unlock() }
        return parts.flatMap { $0 }
    }
}
