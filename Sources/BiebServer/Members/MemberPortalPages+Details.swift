import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A member's details, password and PIN on their pages.
extension MemberPortalPages {
    // MARK: Details, password, PIN

    /// The details page's own part; the header is the member frame's.
    struct DetailsBody: Encodable {
        let birthDate: String
        let email: String
        let phone: String
        let street: String
        let postcode: String
        let city: String
        let signsInWithEmail: Bool
        let hasPIN: Bool
    }

    /// The input ids of an error's field, per form of the page (the password and PIN forms both have a "repeated").
    static let contactFields = ["email": "email", "phone": "phone", "street": "street", "postcode": "postcode", "city": "city"]
    static let passwordFields = ["password": "password", "repeated": "password_repeated"]
    static let pinFields = ["current_pin": "current", "pin": "pin", "repeated": "pin_repeated"]

    func details(req: Request) async throws -> Response {
        try await renderDetails(req, error: nil, fields: [:], form: nil)
    }

    /// The page, with `error` (when a form was refused) above the page and next to its field (`fields`: the
    /// refused form's inputs), and the contact details as typed (`form`).
    func renderDetails(_ req: Request, error: BiebError?, fields: [String: String], form: ContactInput?) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let lang = Language.of(req)
        let id = Self.accountID(req) ?? service.signedIn.id
        let overview = try await service.overview(id)
        let member = overview.member
        let body = DetailsBody(
            birthDate: Formats(lang: lang, timeZone: org.zone).longDate(member.birthDate),
            email: form?.email ?? member.email ?? "", phone: form?.phone ?? member.phone ?? "", street: form?.street ?? member.street,
            postcode: form?.postcode ?? member.postcode, city: form?.city ?? member.city,
            signsInWithEmail: member.passwordHash != nil, hasPIN: overview.hasPIN)
        return try await MemberPageFrame().render(req, "portal/details", title: Locales.text("portal_details", lang), org: org, member: member,
                                                  isOwn: overview.relation == .own, body: body,
                                                  errors: error.map { FormErrors($0, lang: lang, ids: fields) }, status: error?.httpStatus ?? .ok)
    }

    func detailsPath(_ req: Request, _ org: Organisation, _ account: UUID, _ own: UUID) -> String {
        Self.base(org) + "/gegevens" + (account == own ? "" : "?lid=\(account)")
    }

    func saveDetails(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        let form = try req.content.decode(ContactInput.self)
        do {
            _ = try await service.changeContact(account: account, form.change(over: try await service.record(account)))
            return Self.done(req, detailsPath(req, org, account, service.signedIn.id), Locales.text("portal_details_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderDetails(req, error: error, fields: Self.contactFields, form: form)
        }
    }

    func savePassword(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        struct Form: Content { var password: String?; var repeated: String? }
        let form = try req.content.decode(Form.self)
        do {
            guard form.password == form.repeated else {
                throw BiebError.invalid("repeated", "The two passwords are not the same.", nl: "De twee wachtwoorden zijn niet gelijk.")
            }
            try await service.setPassword(account: account, password: form.password ?? "")
            return Self.done(req, detailsPath(req, org, account, service.signedIn.id), Locales.text("portal_password_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderDetails(req, error: error, fields: Self.passwordFields, form: nil)
        }
    }

    func savePIN(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        let account = Self.accountID(req) ?? service.signedIn.id
        struct Form: Content { var current: String?; var pin: String?; var repeated: String? }
        let form = try req.content.decode(Form.self)
        do {
            guard form.pin == form.repeated else {
                throw BiebError.invalid("repeated", "The two PINs are not the same.", nl: "De twee pincodes zijn niet gelijk.")
            }
            try await service.setPIN(account: account, current: form.current, new: form.pin ?? "")
            return Self.done(req, detailsPath(req, org, account, service.signedIn.id), Locales.text("portal_pin_saved", Language.of(req)))
        } catch let error as BiebError {
            return try await renderDetails(req, error: error, fields: Self.pinFields, form: nil)
        }
    }
}
