import ArgumentParser
import Foundation
import Vapor
import BiebStore
import BiebServer

/// The frame of a command that works on each organisation (or one, by slug): the database opened and
/// migrated quietly, the organisations found (none is an error naming the database), the app shut down
/// whatever happens.
func forEachOrganisation(_ database: DatabaseOptions, slug: String?,
                         _ body: (Application, Organisation) async throws -> Void) async throws {
    let location = database.location(defaultFile: "bieb.sqlite")
    let app = try await Runner.application(database: location, migrate: true, quiet: true)
    do {
        let organisations = try await BranchDirectory(app.db).organisations().filter { slug == nil || $0.slug == slug }
        guard !organisations.isEmpty else { throw ValidationError("No organisation \(slug ?? "") in \(location).") }
        for organisation in organisations { try await body(app, organisation) }
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}
