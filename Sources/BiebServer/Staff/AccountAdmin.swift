import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Account and organisation administration for the command line.
public enum AccountAdmin {
    public static func create(email: String, name: String?, role: StaffRole, organisation slug: String?,
                              branch branchSlug: String?, partner partnerName: String? = nil, password: String,
                              app: Application) async throws -> StaffUser {
        try UserAPIController.checkPassword(password)
        let organisations = try await BranchDirectory(app.db).organisations()
        let org: Organisation
        if let slug {
            guard let match = organisations.first(where: { $0.slug == slug }) else {
                throw BiebError.invalid("--org", "No organisation '\(slug)'. Known: \(organisations.map(\.slug).joined(separator: ", ")).")
            }
            org = match
        } else if organisations.count == 1 {
            org = organisations[0]
        } else if organisations.isEmpty {
            throw BiebError.invalid("--org", "There is no organisation yet; create one first with: bieb org create --slug SLUG --name NAME")
        } else {
            throw BiebError.invalid("--org", "Name the organisation with --org (one of: \(organisations.map(\.slug).joined(separator: ", "))).")
        }
        var branchID: UUID?
        if let branchSlug {
            guard let branch = try await BranchDirectory(app.db).branch(slug: branchSlug, in: try org.requireID()) else {
                throw BiebError.invalid("--branch", "No branch '\(branchSlug)' in \(org.slug).")
            }
            branchID = branch.id
        }
        let displayName = name ?? String(email.split(separator: "@").first ?? "")
        let user = StaffUser(organisationID: try org.requireID(), email: email, name: displayName,
                             passwordHash: try await app.password.async.hash(password), role: role, branchID: branchID)
        if let partnerName {
            let partners = try await PartnerDirectory(app.db).partners(of: try org.requireID())
            guard let partner = partners.first(where: { $0.name.lowercased() == partnerName.lowercased() }) else {
                throw BiebError.invalid("--partner", "No partner '\(partnerName)' in \(org.slug). Known: \(partners.map(\.name).joined(separator: ", ")).")
            }
            user.partnerID = partner.id
        }
        try await StaffDirectory(app.db).save(user)
        return user
    }
}

public enum OrganisationAdmin {
    public static func create(_ organisation: Organisation, on db: any Database) async throws {
        guard Validate.slug(organisation.slug), !PublicPages.reserved.contains(organisation.slug) else {
            throw BiebError.invalid("slug", "'\(organisation.slug)' cannot be used: use 2–64 lower-case letters, digits or hyphens, not a reserved word (\(PublicPages.reserved.sorted().joined(separator: ", "))).")
        }
        guard TimeZone(identifier: organisation.timeZone) != nil else {
            throw BiebError.invalid("time_zone", "Unknown time zone '\(organisation.timeZone)'.")
        }
        guard !organisation.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BiebError.invalid("name", "An organisation needs a name.")
        }
        if try await Organisation.query(on: db).filter(\.$slug == organisation.slug).first() != nil {
            throw BiebError(.conflict, code: "slug_taken", field: "slug", message: "An organisation '\(organisation.slug)' already exists.")
        }
        try await organisation.create(on: db)
    }
}
