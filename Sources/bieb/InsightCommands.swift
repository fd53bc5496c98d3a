import ArgumentParser
import Foundation
import BiebCore
import BiebStore
import BiebServer

/// `bieb insights …`: the statistics' fact stream by hand (the privacy job does both on its own).
struct InsightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insights", abstract: "The statistics' facts and roll-ups.", subcommands: [Rebuild.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebuild",
            abstract: "Read new circulation events and door entries into facts, then build every day's roll-ups again from the facts.",
            discussion: "Safe to run at any time and more than once: the facts are read exactly once, and a day's roll-ups are replaced in one transaction.")

        @ArgumentParser.OptionGroup var database: DatabaseOptions
        @ArgumentParser.Option(help: "Only this organisation (slug).") var org: String?

        func run() async throws {
            try await forEachOrganisation(database, slug: org) { app, organisation in
                let start = Date()
                let added = try await InsightFacts(app.db, organisationID: organisation.id!).ingest(timeZone: organisation.zone)
                let bar = ProgressBar(label: organisation.slug)
                let days = try await InsightRollups(app.db, organisationID: organisation.id!).rebuild { done, total in
                    bar.update(fraction: Double(done) / Double(max(total, 1)), text: "\(done.formatted()) of \(total.formatted()) days")
                }
                bar.finish()
                print(String(format: "%@: %@ new facts; roll-ups of %@ days built again in %.1f s.", organisation.name, added.formatted(),
                             days.formatted(), Date().timeIntervalSince(start)))
            }
        }
    }
}
