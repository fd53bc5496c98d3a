import FluentKit
import Foundation
import BiebCore

/// A library organisation (bibliotheekorganisatie). Every other record belongs
/// to exactly one organisation; one deployment can serve many.
public final class Organisation: Model, @unchecked Sendable {
    public static let schema = "organisations"

    @ID(key: .id) public var id: UUID?
    /// URL identifier, unique across the deployment ("den-haag").
    @Field(key: "slug") public var slug: String
    @Field(key: "name") public var name: String
    /// IANA time zone of the organisation's branches.
    @Field(key: "time_zone") public var timeZone: String
    @OptionalField(key: "website") public var website: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(id: UUID? = nil, slug: String, name: String, timeZone: String = "Europe/Amsterdam", website: String? = nil) {
        self.id = id
        self.slug = slug
        self.name = name
        self.timeZone = timeZone
        self.website = website
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? BranchCalendar.amsterdam }
}

struct CreateOrganisations: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(Organisation.schema)
            .id()
            .field("slug", .string, .required)
            .field("name", .string, .required)
            .field("time_zone", .string, .required)
            .field("website", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "slug")
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema(Organisation.schema).delete()
    }
}
