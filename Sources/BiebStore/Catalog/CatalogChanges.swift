import Foundation
import SQLKit
import BiebCore

/// Versions of an organisation's catalogue, so that what is kept in memory
/// for search (`FacetIndex`, `RankedHitCache`) can tell what changed.
///
/// Every write of titles or copies claims the next version in its own
/// transaction (`claim`) and stamps the titles it touched with it
/// (`titles.changed_version`). `titles_version` moves only when title
/// records change — not when a copy is lent or returned — so cached hit
/// lists survive circulation. Claiming locks the organisation's row until
/// the transaction ends, so versions become visible in the order they were
/// claimed and a reader never skips one.
public enum CatalogChanges {
    static let schema = "catalogue_versions"

    public struct Versions: Sendable, Equatable {
        /// Moves with every change of titles or copies.
        public var version: Int
        /// Moves with changes of title records only.
        public var titlesVersion: Int
    }

    /// Claims the next version in the caller's transaction; `titles` says
    /// whether title records (not only copies) change.
    public static func claim(organisationID: UUID, titles: Bool, on sql: any SQLDatabase) async throws -> Int {
        let row = try await sql.raw("""
            INSERT INTO catalogue_versions (organisation_id, version, titles_version) VALUES (\(bind: organisationID), 1, \(bind: titles ? 1 : 0))
            ON CONFLICT (organisation_id) DO UPDATE SET
                version = catalogue_versions.version + 1,
                titles_version = CASE WHEN excluded.titles_version > 0 THEN catalogue_versions.version + 1 ELSE catalogue_versions.titles_version END
            RETURNING version
            """).first()
        guard let version = try row?.decode(column: "version", as: Int.self) else {
            throw BiebError(.conflict, code: "no_version", message: "Claiming a catalogue version returned nothing.")
        }
        return version
    }

    /// Stamps titles with the version that changed them (or their copies).
    public static func stamp(titleIDs: [Int], version: Int, on sql: any SQLDatabase) async throws {
        for chunk in Array(Set(titleIDs)).chunked(into: 500) {
            try await sql.raw("UPDATE titles SET changed_version = \(bind: version) WHERE id IN (\(binds: Array(chunk)))").run()
        }
    }

    /// Claims a version for a change of copies of these titles and stamps them.
    public static func copiesChanged(of titleIDs: [Int], organisationID: UUID, on sql: any SQLDatabase) async throws {
        guard !titleIDs.isEmpty else { return }
        let version = try await claim(organisationID: organisationID, titles: false, on: sql)
        try await stamp(titleIDs: titleIDs, version: version, on: sql)
    }

    /// The current versions (zero for a catalogue never written).
    public static func current(organisationID: UUID, on sql: any SQLDatabase) async throws -> Versions {
        let row = try await sql.select().column("version").column("titles_version").from(schema)
            .where("organisation_id", .equal, organisationID).first()
        return Versions(version: try row?.decode(column: "version", as: Int.self) ?? 0,
                        titlesVersion: try row?.decode(column: "titles_version", as: Int.self) ?? 0)
    }
}
