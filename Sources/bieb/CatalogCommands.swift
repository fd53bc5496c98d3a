import ArgumentParser
import Foundation
import Vapor
import BiebCore
import BiebServer
import BiebStore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import data.", subcommands: [MARC.self])

    struct MARC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "marc",
            abstract: "Import MARC 21 records (ISO 2709 or MARCXML) into an organisation's catalogue.",
            discussion: """
                Records with the same control number (001) or ISBN as a title already there update it. Copies come \
                from 852 ($b branch, $p barcode, $h $i call number, $c shelf) or 949 ($a branch, $b barcode, $c call \
                number, $d acquired, $p price); --items makes copies for a demo. Bad records are reported with their \
                position and reason and skipped.
                """)

        @ArgumentParser.OptionGroup var database: DatabaseOptions
        @ArgumentParser.Argument(help: "The MARC file.") var file: String
        @ArgumentParser.Option(help: "Organisation slug.") var org: String
        @ArgumentParser.Option(help: "Branch slug for copies that name none (and for --items).") var branch: String?
        @ArgumentParser.Option(help: "iso2709 or marcxml (default: detected from the file).") var format: String?
        @ArgumentParser.Option(help: "Make this many copies per title (demo data).") var items: Int = 0
        @ArgumentParser.Option(help: "Write the full report (every rejected record) to this file.") var report: String?

        func run() async throws {
            var fileFormat: CatalogImporter.Format?
            if let format {
                guard let value = CatalogImporter.Format(rawValue: format) else {
                    throw BiebError.invalid("--format", "Unknown format '\(format)'; use iso2709 or marcxml.")
                }
                fileFormat = value
            }
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw BiebError.invalid("FILE", "Cannot read \(file).")
            }
            let location = database.location(defaultFile: "bieb.sqlite")
            let app = try await Runner.application(database: location, migrate: true, quiet: true)
            do {
                let (organisation, branchID) = try await Lookup.organisation(org, branch: branch, app: app)
                let importer = CatalogImporter(store: CatalogStore(app.db, organisationID: organisation))
                let bar = ProgressBar(label: "import")
                let result = try await importer.importFile(path: file, format: fileFormat, defaultBranch: branchID, itemsPerTitle: items) { progress in
                    bar.update(fraction: progress.fraction,
                               text: "\(progress.records.formatted()) records, \(Int(progress.recordsPerSecond).formatted())/s"
                                   + (progress.eta.map { ", ETA \(ProgressBar.duration($0))" } ?? ""))
                }
                bar.finish()
                print("Imported into \(location).")
                print(Self.summary(result))
                if let report {
                    let lines = result.rejected.map { "rejected \($0)" } + result.warnings.map { "warning \($0)" }
                    try (lines.joined(separator: "\n") + "\n").write(toFile: report, atomically: true, encoding: .utf8)
                    print("Report written to \(report).")
                }
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        }

        static func summary(_ report: ImportReport) -> String {
            var lines = [
                String(format: "Read %@ records in %.1f s (%@ records/s; %.1f s storing): %@ imported, %@ updated, %@ rejected, %@ with warnings.",
                       report.read.formatted(), report.seconds, Int(Double(report.read) / max(report.seconds, 0.001)).formatted(),
                       report.storeSeconds,
                       report.inserted.formatted(), report.updated.formatted(), report.rejected.count.formatted(),
                       Set(report.warnings.map(\.position)).count.formatted()),
            ]
            for rejection in report.rejected.prefix(50) { lines.append("  rejected \(rejection)") }
            if report.rejected.count > 50 { lines.append("  … and \(report.rejected.count - 50) more (use --report FILE for all)") }
            return lines.joined(separator: "\n")
        }
    }
}

struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Index the titles for search again, from their stored records.",
        discussion: """
            Needed once after installing the Dutch word list (apt-get install wdutch, or BIEB_DUTCH_WORDS): Dutch \
            titles indexed without it are found by their compound words only ("wereldoorlog", not "oorlog"). \
            Searches go on meanwhile; each batch of 500 titles is one transaction.
            """)

    @ArgumentParser.OptionGroup var database: DatabaseOptions
    @ArgumentParser.Flag(help: "Only titles in Dutch (the ones whose compounds are split).") var dutch = false

    func run() async throws {
        let location = database.location(defaultFile: "bieb.sqlite")
        if DutchWordList.compounds == nil {
            print("No Dutch word list at \(DutchWordList.path ?? "(switched off)"): compound words stay whole. Install wdutch first.")
        }
        let app = try await Runner.application(database: location, migrate: true, quiet: true)
        do {
            let bar = ProgressBar(label: "reindex")
            let start = Date()
            let count = try await SearchReindex.run(on: app.db, languages: dutch ? StemLanguage.dutch.marcCodes : nil) { done, total in
                bar.update(fraction: Double(done) / Double(max(total, 1)), text: "\(done.formatted()) of \(total.formatted()) titles")
            }
            bar.finish()
            print(String(format: "Indexed %@ titles again in %.1f s, in %@.", count.formatted(), Date().timeIntervalSince(start), "\(location)"))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export data.", subcommands: [MARC.self])

    struct MARC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "marc", abstract: "Export an organisation's catalogue as MARC 21 (ISO 2709 or MARCXML) or Dublin Core.")

        @ArgumentParser.OptionGroup var database: DatabaseOptions
        @ArgumentParser.Option(help: "Organisation slug.") var org: String
        @ArgumentParser.Option(help: "iso2709, marcxml or dc.") var format: String = "iso2709"
        @ArgumentParser.Option(name: .shortAndLong, help: "Output file (default: standard output).") var output: String?

        func run() async throws {
            guard let exportFormat = CatalogExporter.Format(rawValue: format) else {
                throw BiebError.invalid("--format", "Unknown format '\(format)'; use iso2709, marcxml or dc.")
            }
            let location = database.location(defaultFile: "bieb.sqlite")
            let app = try await Runner.application(database: location, migrate: true, quiet: true)
            do {
                let (organisation, _) = try await Lookup.organisation(org, branch: nil, app: app)
                let handle: FileHandle
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: nil), let file = FileHandle(forWritingAtPath: output) else {
                        throw BiebError.invalid("--output", "Cannot write \(output).")
                    }
                    handle = file
                } else {
                    handle = FileHandle.standardOutput
                }
                let store = CatalogStore(app.db, organisationID: organisation)
                let total = try await store.titleCount()
                let bar = ProgressBar(label: "export")
                let count = try await CatalogExporter(store: store).export(format: exportFormat, to: { try handle.write(contentsOf: $0) }) { done in
                    bar.update(fraction: total > 0 ? Double(done) / Double(total) : 1, text: "\(done.formatted()) of \(total.formatted()) titles")
                }
                bar.finish()
                if output != nil { try handle.close() }
                FileHandle.standardError.write(Data("Exported \(count.formatted()) titles.\n".utf8))
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        }
    }
}

enum Lookup {
    static func organisation(_ slug: String, branch: String?, app: Application) async throws -> (UUID, UUID?) {
        let directory = BranchDirectory(app.db)
        guard let organisation = try await directory.organisation(slug: slug) else {
            let known = try await directory.organisations().map(\.slug).joined(separator: ", ")
            throw BiebError.invalid("--org", "No organisation '\(slug)'. Known: \(known.isEmpty ? "none" : known).")
        }
        guard let branch else { return (organisation.id!, nil) }
        guard let found = try await directory.branch(slug: branch, in: organisation.id!) else {
            throw BiebError.invalid("--branch", "No branch '\(branch)' in \(slug).")
        }
        return (organisation.id!, found.id)
    }
}

/// A one-line progress bar on standard error, redrawn at most four times a second.
final class ProgressBar: @unchecked Sendable {
    let label: String
    private var last = Date.distantPast
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) == 1

    init(label: String) { self.label = label }

    func update(fraction: Double, text: String) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= (isTerminal ? 0.25 : 5) else { return }
        last = now
        let width = 30
        let filled = Int((fraction * Double(width)).rounded())
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\(label) [\(bar)] \(String(format: "%3d", Int(fraction * 100)))% \(text)"
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
