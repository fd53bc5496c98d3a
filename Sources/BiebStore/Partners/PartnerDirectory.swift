import FluentKit
import Foundation
import BiebCore

/// Partner organisations of a library organisation and the branches that
/// house them (consultation hours and co-organised activities come with the
/// programming issue).
public struct PartnerDirectory: Sendable {
    public let db: any Database

    public init(_ db: any Database) { self.db = db }

    public func partners(of organisationID: UUID) async throws -> [Partner] {
        try await Partner.query(on: db).filter(\.$organisation.$id == organisationID).sort(\.$name).all()
    }

    public func partner(_ id: UUID, in organisationID: UUID) async throws -> Partner? {
        try await Partner.query(on: db).filter(\.$id == id).filter(\.$organisation.$id == organisationID).first()
    }

    /// Validates and saves a partner.
    public func save(_ partner: Partner) async throws {
        partner.name = partner.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !partner.name.isEmpty, partner.name.count <= 200 else {
            throw BiebError.invalid("name", "A partner needs a name of at most 200 characters.",
                                    nl: "Een partner heeft een naam nodig van hoogstens 200 tekens.")
        }
        guard PartnerKind(rawValue: partner.kind) != nil else {
            throw BiebError.invalid("kind", "Unknown partner kind '\(partner.kind)'; use one of: \(PartnerKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                                    nl: "Onbekend soort partner '\(partner.kind)'.")
        }
        partner.website = partner.website.trimmingCharacters(in: .whitespaces)
        if !partner.website.isEmpty {
            guard let url = URL(string: partner.website), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw BiebError.invalid("website", "'\(partner.website)' is not a web address (https://…).",
                                        nl: "'\(partner.website)' is geen webadres (https://…).")
            }
        }
        try await partner.save(on: db)
    }

    /// Partners housed in a branch, with their role there, by name.
    public func partners(ofBranch branchID: UUID) async throws -> [(partner: Partner, role: String)] {
        let links = try await BranchPartner.query(on: db).filter(\.$branch.$id == branchID).with(\.$partner).all()
        return links.map { ($0.partner, $0.role) }.sorted { $0.partner.name < $1.partner.name }
    }

    /// Houses a partner in a branch with a role, or changes the role. Branch
    /// and partner must belong to the same organisation (callers look both up
    /// within the signed-in account's organisation).
    public func house(_ partnerID: UUID, in branchID: UUID, role: String) async throws {
        let role = role.trimmingCharacters(in: .whitespacesAndNewlines)
        guard role.count <= 500 else {
            throw BiebError.invalid("role", "Describe the role in at most 500 characters.", nl: "Beschrijf de rol in hoogstens 500 tekens.")
        }
        if let link = try await BranchPartner.query(on: db).filter(\.$branch.$id == branchID).filter(\.$partner.$id == partnerID).first() {
            link.role = role
            try await link.save(on: db)
            return
        }
        do {
            try await BranchPartner(branchID: branchID, partnerID: partnerID, role: role).create(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Housed by a concurrent request a moment ago: set the role on that link.
            try await house(partnerID, in: branchID, role: role)
        }
    }

    /// Ends a partner's stay in a branch; false when it was not housed there.
    @discardableResult
    public func unhouse(_ partnerID: UUID, from branchID: UUID) async throws -> Bool {
        let links = BranchPartner.query(on: db).filter(\.$branch.$id == branchID).filter(\.$partner.$id == partnerID)
        guard try await links.count() > 0 else { return false }
        try await links.delete()
        return true
    }
}
