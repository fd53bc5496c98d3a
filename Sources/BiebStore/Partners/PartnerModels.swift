import FluentKit
import Foundation

/// A partner organisation (cultural, social, educational, municipal).
public final class Partner: Model, @unchecked Sendable {
    public static let schema = "partners"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "organisation_id") public var organisation: Organisation
    @Field(key: "name") public var name: String
    /// cultural, social, educational, municipal, other (`PartnerKind`).
    @Field(key: "kind") public var kind: String
    @Field(key: "website") public var website: String
    @Siblings(through: BranchPartner.self, from: \.$partner, to: \.$branch) public var branches: [Branch]

    public init() {}

    public init(id: UUID? = nil, organisationID: UUID, name: String, kind: String, website: String = "") {
        self.id = id
        self.$organisation.id = organisationID
        self.name = name
        self.kind = kind
        self.website = website
    }
}

/// A partner housed in a branch, with what they do there.
public final class BranchPartner: Model, @unchecked Sendable {
    public static let schema = "branch_partners"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "branch_id") public var branch: Branch
    @Parent(key: "partner_id") public var partner: Partner
    /// What the partner offers in this branch ("Digi-spreekuur, dinsdag 10–12").
    @Field(key: "role") public var role: String

    public init() {}

    public init(branchID: UUID, partnerID: UUID, role: String) {
        self.$branch.id = branchID
        self.$partner.id = partnerID
        self.role = role
    }
}
