import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff pages of a branch: its details, its spaces and the partners it houses.
extension StaffPages {
    // MARK: Branch details


    struct BranchForm: Encodable {
        let page: PageContext
        let action: String
        let isNew: Bool
        let errors: FormErrors?
        let name: String
        let slug: String
        let kinds: [FormOption]
        let street: String
        let postcode: String
        let city: String
        let municipality: String
        let neighbourhood: String
        let district: String
        let latitude: String
        let longitude: String
        let phone: String
        let email: String
        let descriptionNL: String
        let descriptionEN: String
        let minAge: Int
        let minDays: Int
        let requiresTerms: Bool
        let active: Bool
        let hoursURL: String?
        let spaces: [SpaceLine]
        let spaceKinds: [FormOption]
        let spacesURL: String?
        let partners: [PartnerLine]
        let partnerOptions: [FormOption]
        let partnerKinds: [FormOption]
        let partnersURL: String?
    }

    struct PartnerLine: Encodable {
        let name: String
        let role: String
        let deleteURL: String
    }

    struct SpaceLine: Encodable {
        let name: String
        let kind: String
        let capacity: Int
        let bookable: Bool
        let deleteURL: String
    }

    /// The branch form's inputs by the names errors give them.
    static let branchFieldIDs = ["name": "name", "slug": "slug", "kind": "kind", "street": "street", "postcode": "postcode", "city": "city",
                                 "municipality": "municipality", "neighbourhood": "neighbourhood", "district": "district",
                                 "latitude": "latitude", "longitude": "longitude", "phone": "phone", "email": "bemail",
                                 "description_nl": "dnl", "description_en": "den", "min_age": "min_age", "min_days": "min_days"]

    /// The branch form: details, and for an existing branch its spaces and partners.
    func branchFormContext(_ page: Page, branch: Branch, isNew: Bool, error: BiebError?) async throws -> BranchForm {
        let words = BranchPresentation(lang: page.lang, timeZone: page.organisation?.zone ?? BranchCalendar.amsterdam)
        let base = isNew ? nil : "/staff/branches/\(branch.id!)"
        let spaces = isNew ? [] : try await page.request.branches.spaces(of: branch.id!)
        let partners = isNew ? [] : try await PartnerDirectory(page.request.db).partners(ofBranch: branch.id!)
        let organisationPartners = try await PartnerDirectory(page.request.db).partners(of: branch.$organisation.id)
        return BranchForm(
            page: page.context(isNew ? page.t("branch_new") : branch.name),
            action: isNew ? "/staff/branches/new" : base!, isNew: isNew, errors: page.formErrors(error, ids: Self.branchFieldIDs),
            name: branch.name, slug: branch.slug,
            kinds: BranchKind.allCases.map { FormOption(value: $0.rawValue, label: words.kindName($0), selected: $0.rawValue == branch.kindRaw) },
            street: branch.street, postcode: branch.postcode, city: branch.city, municipality: branch.municipality,
            neighbourhood: branch.neighbourhood, district: branch.district,
            latitude: branch.latitude.map { String($0) } ?? "", longitude: branch.longitude.map { String($0) } ?? "",
            phone: branch.phone, email: branch.email, descriptionNL: branch.descriptionNL, descriptionEN: branch.descriptionEN,
            minAge: branch.selfServiceMinAge, minDays: branch.selfServiceMinMembershipDays, requiresTerms: branch.selfServiceRequiresTerms,
            active: branch.active, hoursURL: base.map { "\($0)/hours" },
            spaces: spaces.map { SpaceLine(name: $0.name, kind: Locales.text("space_\($0.kindRaw)", page.lang), capacity: $0.capacity,
                                           bookable: $0.bookable, deleteURL: "\(base ?? "")/spaces/\($0.id!)/delete") },
            spaceKinds: SpaceKind.allCases.map { FormOption(value: $0.rawValue, label: Locales.text("space_\($0.rawValue)", page.lang), selected: false) },
            spacesURL: base.map { "\($0)/spaces" },
            partners: partners.map { PartnerLine(name: $0.partner.name, role: $0.role, deleteURL: "\(base ?? "")/partners/\($0.partner.id!)/delete") },
            partnerOptions: [FormOption(value: "", label: page.t("partner_new_option"), selected: true)]
                + organisationPartners.map { FormOption(value: $0.id!.uuidString, label: $0.name, selected: false) },
            partnerKinds: PartnerKind.allCases.map { FormOption(value: $0.rawValue, label: page.t("partner_kind_\($0.rawValue)"), selected: false) },
            partnersURL: base.map { "\($0)/partners" })
    }

    /// The branch form again with the error (in the summary and at its field) and what was typed, answered
    /// with the error's status (400, or 409 for a slug taken) as the API does.
    func branchFormWithError(_ page: Page, branch: Branch, isNew: Bool, error: BiebError) async throws -> Response {
        try await page.render("staff/branch", branchFormContext(page, branch: branch, isNew: isNew, error: error),
                              status: error.httpStatus)
    }

    func newBranchForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let user = try req.staff(.createBranch)
        let branch = Branch(organisationID: user.organisationID, slug: "", name: "", kind: .district)
        return try await page.render("staff/branch", branchFormContext(page, branch: branch, isNew: true, error: nil))
    }

    struct BranchFormInput: Content {
        var name: String?
        var slug: String?
        var kind: String?
        var street: String?
        var postcode: String?
        var city: String?
        var municipality: String?
        var neighbourhood: String?
        var district: String?
        var latitude: String?
        var longitude: String?
        var phone: String?
        var email: String?
        var description_nl: String?
        var description_en: String?
        var min_age: String?
        var min_days: String?
        var requires_terms: String?
        var active: String?

        /// The form as the API's `BranchInput`, applied by its one decoding
        /// (`BranchInput.apply`). The form sends every field, so an empty
        /// one clears it; a location needs both numbers or neither.
        func apply(to branch: Branch, isNew: Bool = false) throws {
            let latitude = try Self.number(latitude, field: "latitude"), longitude = try Self.number(longitude, field: "longitude")
            if (latitude == nil) != (longitude == nil) {
                throw BiebError.invalid(latitude == nil ? "latitude" : "longitude", "Give both latitude and longitude, or neither.",
                                        nl: "Geef zowel breedte- als lengtegraad, of geen van beide.")
            }
            let input = BranchInput(
                slug: slug ?? "", name: name ?? "", kind: kind,
                address: AddressDTO(street: street ?? "", postcode: postcode ?? "", city: city ?? "", municipality: municipality ?? ""),
                neighbourhood: neighbourhood ?? "", district: district ?? "",
                location: latitude.flatMap { lat in longitude.map { LocationDTO(latitude: lat, longitude: $0) } },
                phone: phone ?? "", email: email ?? "", description: TextsDTO(nl: description_nl ?? "", en: description_en ?? ""),
                self_service: SelfServiceDTO(minimum_age: try Self.integer(min_age, field: "min_age"),
                                             minimum_membership_days: try Self.integer(min_days, field: "min_days"),
                                             requires_terms_accepted: requires_terms == "on"),
                active: active == "on")
            try input.apply(to: branch)
            if isNew { try input.checkNew() }
            if latitude == nil { (branch.latitude, branch.longitude) = (nil, nil) }
        }

        static func number(_ text: String?, field: String) throws -> Double? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let value = Double(text.replacingOccurrences(of: ",", with: ".")) else {
                throw BiebError.invalid(field, "'\(text)' is not a number.", nl: "'\(text)' is geen getal.")
            }
            return value
        }

        static func integer(_ text: String?, field: String) throws -> Int? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let value = Int(text) else {
                throw BiebError.invalid(field, "'\(text)' is not a whole number.", nl: "'\(text)' is geen geheel getal.")
            }
            return value
        }
    }

    func createBranch(req: Request) async throws -> Response {
        let page = try await Page(req)
        let user = try req.staff(.createBranch)
        let branch = Branch(organisationID: user.organisationID, slug: "", name: "", kind: .district)
        do {
            try req.content.decode(BranchFormInput.self).apply(to: branch, isNew: true)
            try await req.branches.save(branch)
        } catch let error as BiebError {
            return try await branchFormWithError(page, branch: branch, isNew: true, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)/hours", done: "created")
    }

    func branchForm(req: Request) async throws -> Response {
        let page = try await Page(req)
        let (branch, _, _) = try await Self.branch(req, .editBranch)
        return try await page.render("staff/branch", branchFormContext(page, branch: branch, isNew: false, error: nil))
    }

    /// A change sent from a branch's page: refused, the page again with the error next to its field;
    /// made, back to the page with "saved".
    func changeOnBranchPage(_ req: Request, _ permission: Permission,
                            _ change: @escaping (Branch, StaffUser) async throws -> Void) async throws -> Response {
        let page = try await Page(req)
        let (branch, _, user) = try await Self.branch(req, permission)
        do {
            try await change(branch, user)
        } catch let error as BiebError {
            return try await branchFormWithError(page, branch: branch, isNew: false, error: error)
        }
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "saved")
    }

    func saveBranch(req: Request) async throws -> Response {
        try await changeOnBranchPage(req, .editBranch) { branch, _ in
            try req.content.decode(BranchFormInput.self).apply(to: branch)
            try await req.branches.save(branch)
        }
    }

    struct SpaceInput: Content {
        var name: String?
        var kind: String?
        var capacity: String?
        var bookable: String?
    }

    func addSpace(req: Request) async throws -> Response {
        try await changeOnBranchPage(req, .editSpaces) { branch, _ in
            let input = try req.content.decode(SpaceInput.self)
            let capacity = try BranchFormInput.integer(input.capacity, field: "capacity") ?? 0
            let space = Space(branchID: branch.id!, kind: .room, name: input.name ?? "", capacity: capacity, bookable: input.bookable == "on")
            try SpacePatch(kind: input.kind, name: nil, capacity: nil, bookable: nil, notes: nil, facilities: nil).apply(to: space)
            try await req.branches.save(space)
        }
    }

    func deleteSpace(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.branch(req, .editSpaces)
        guard let id = req.parameters.get("spaceID").flatMap(UUID.init(uuidString:)),
              let space = try await req.branches.space(id, branch: branch.id!) else { throw Abort(.notFound) }
        try await space.delete(on: req.db)
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "deleted")
    }

    // MARK: Partners

    /// The branch page's partner form: an existing partner, or a new one
    /// (`new_…`, made as the API makes one: `PartnerPatch`), and its role here.
    struct PartnerInput: Content {
        var partner_id: String?
        var new_name: String?
        var new_kind: String?
        var new_website: String?
        var role: String?
    }

    /// Houses an existing partner in the branch, or adds a new partner and houses it.
    func housePartner(req: Request) async throws -> Response {
        try await changeOnBranchPage(req, .editBranch) { branch, user in
            let input = try req.content.decode(PartnerInput.self)
            try await WriteGate.transaction(on: req.db) { tx in
                let directory = PartnerDirectory(tx)
                let partner: Partner
                if let id = input.partner_id.flatMap(UUID.init(uuidString:)) {
                    guard let existing = try await directory.partner(id, in: user.organisationID) else {
                        throw BiebError.notFound("partner", nl: "Partner niet gevonden.")
                    }
                    partner = existing
                } else {
                    partner = PartnerPatch(name: input.new_name, kind: input.new_kind, website: input.new_website)
                        .newPartner(of: user.organisationID)
                    try await directory.save(partner)
                }
                try await directory.house(partner.id!, in: branch.id!, role: input.role ?? "")
            }
        }
    }

    func unhousePartner(req: Request) async throws -> Response {
        let (branch, _, _) = try await Self.branch(req, .editBranch)
        guard let id = req.parameters.get("partnerID").flatMap(UUID.init(uuidString:)),
              try await PartnerDirectory(req.db).unhouse(id, from: branch.id!) else { throw Abort(.notFound) }
        return req.redirect(to: "/staff/branches/\(branch.id!)", done: "deleted")
    }
}
