import FluentKit
import Foundation
import BiebCore

/// Staff accounts and API tokens (sign-in throttling: `Throttles`).
public struct StaffDirectory: Sendable {
    public let db: any Database

    public init(_ db: any Database) { self.db = db }

    public func user(email: String) async throws -> StaffUser? {
        try await StaffUser.query(on: db).filter(\.$email == email.lowercased()).first()
    }

    public func user(_ id: UUID, in organisationID: UUID) async throws -> StaffUser? {
        try await StaffUser.query(on: db).filter(\.$id == id).filter(\.$organisation.$id == organisationID).first()
    }

    public func users(of organisationID: UUID) async throws -> [StaffUser] {
        try await StaffUser.query(on: db).filter(\.$organisation.$id == organisationID).sort(\.$name).all()
    }

    /// Validates and saves an account. The e-mail address is the sign-in name
    /// and unique across the deployment.
    public func save(_ user: StaffUser) async throws {
        user.name = user.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !user.name.isEmpty else {
            throw BiebError.invalid("name", "An account needs a name.", nl: "Een account heeft een naam nodig.")
        }
        guard let email = Validate.email(user.email) else {
            throw BiebError.invalid("email", "'\(user.email)' is not an e-mail address.",
                                    nl: "'\(user.email)' is geen e-mailadres.", code: "invalid_email")
        }
        user.email = email.lowercased()
        guard StaffRole(rawValue: user.roleRaw) != nil else {
            throw BiebError.invalid("role", "Unknown role '\(user.roleRaw)'; use admin, staff, volunteer or partner.",
                                    nl: "Onbekende rol '\(user.roleRaw)'.")
        }
        if user.role == .volunteer && user.branchID == nil {
            throw BiebError.invalid("branch_id", "A volunteer account needs a branch.",
                                    nl: "Een vrijwilligersaccount hoort bij een vestiging.")
        }
        if user.role == .partner {
            guard let partnerID = user.partnerID, try await PartnerDirectory(db).partner(partnerID, in: user.organisationID) != nil else {
                throw BiebError.invalid("partner_id", "A partner account needs the partner organisation it works for (partner_id).",
                                        nl: "Een partneraccount hoort bij een partnerorganisatie (partner_id).")
            }
        } else {
            user.partnerID = nil
        }
        if let branchID = user.branchID {
            let branch = try await Branch.query(on: db).filter(\.$id == branchID)
                .filter(\.$organisation.$id == user.organisationID).first()
            guard branch != nil else {
                throw BiebError.invalid("branch_id", "No branch with this id in the account's organisation.",
                                        nl: "Deze vestiging hoort niet bij de organisatie.")
            }
        }
        let taken = BiebError(.conflict, code: "email_taken", field: "email",
                              message: "An account with the e-mail address \(user.email) already exists.",
                              nl: "Er bestaat al een account met het e-mailadres \(user.email).")
        try await user.save(on: db, unlessTakenBy: StaffUser.query(on: db).filter(\.$email == user.email), taken)
    }

    // MARK: Tokens

    public func token(hash: String) async throws -> APIToken? {
        try await APIToken.query(on: db).filter(\.$tokenHash == hash).with(\.$user).first()
    }

    public func deleteTokens(of userID: UUID) async throws {
        try await APIToken.query(on: db).filter(\.$user.$id == userID).delete()
    }

    public func deleteExpiredTokens(now: Date = Date()) async throws {
        try await APIToken.query(on: db).filter(\.$expiresAt < now).delete()
    }
}
