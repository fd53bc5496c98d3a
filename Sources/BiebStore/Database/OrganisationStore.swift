import FluentKit
import Foundation
import SQLKit

/// A store of one organisation's records: every query it makes is scoped to
/// `organisationID`, so another organisation's record is "not found".
public protocol OrganisationStore: Sendable {
    var db: any Database { get }
    var organisationID: UUID { get }
}

extension OrganisationStore {
    /// The database as SQL (`Database.sql`).
    var sql: any SQLDatabase { db.sql }
}
