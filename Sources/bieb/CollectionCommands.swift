import ArgumentParser
import Foundation
import BiebCore
import BiebStore
import BiebServer

/// `bieb collection …`: the collection plan's copy counters by hand (the hourly job ages them by itself).
struct CollectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collection", abstract: "The collection plan's copy counters.", subcommands: [RebuildCounters.self])

    struct RebuildCounters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebuild-counters",
            abstract: "Count every copy's loans again from the loans table: in its life, in the last 12 months, and its last loan.",
            discussion: """
                Replaces the counters with what the loans table holds, so counts brought in from a previous system are lost: \
                run it to repair, not after such an import. Run it at a quiet moment: a checkout between its count and its write is not counted.
                """)

        @ArgumentParser.OptionGroup var database: DatabaseOptions
        @ArgumentParser.Option(help: "Only this organisation (slug).") var org: String?

        func run() async throws {
            try await forEachOrganisation(database, slug: org) { app, organisation in
                let start = Date()
                let bar = ProgressBar(label: organisation.slug)
                let copies = try await CopyCounters(app.db, organisationID: organisation.id!, timeZone: organisation.zone)
                    .rebuild(today: LocalDate(Date(), in: organisation.zone)) { done, total in
                        bar.update(fraction: Double(done) / Double(max(total, 1)), text: "\(done.formatted()) of \(total.formatted()) copies")
                    }
                bar.finish()
                print(String(format: "%@: the counters of %@ lent copies counted again in %.1f s.", organisation.name, copies.formatted(),
                             Date().timeIntervalSince(start)))
            }
        }
    }
}
