import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Placing a hold from the catalogue, on the member's pages.
extension MemberPortalPages {
    // MARK: Placing a hold from the catalogue

    struct HoldFormContext: Encodable {
        let page: PageContext
        let organisation: String
        let orgURL: String
        let base: String
        let title: String
        let titleID: Int
        let titleURL: String
        let accounts: [FormOption]
        let branches: [FormOption]
        /// What the hold costs, said before the member confirms (or that it is free).
        let fee: String
        let errors: FormErrors?
    }

    func holdForm(req: Request) async throws -> Response {
        let org = try await req.organisation()
        let service = try await MemberAccountService.make(req, organisation: org)
        return try await renderHoldForm(req, org: org, service: service, title: req.query[Int.self, at: "titel"], error: nil)
    }

    func renderHoldForm(_ req: Request, org: Organisation, service: MemberAccountService, title titleID: Int?, error: BiebError?) async throws -> Response {
        let lang = Language.of(req)
        let orgID = try org.requireID()
        guard let titleID, let title = try await Title.query(on: req.db).filter(\.$organisationID == orgID).filter(\.$id == titleID)
            .filter(\.$deleted == false).first() else { throw Abort(.notFound) }
        let chosen = Self.accountID(req) ?? service.signedIn.id
        let home = try await service.members.member(chosen)?.homeBranchID
        let chosenBranch = (try? req.content.get(String.self, at: "pickup"))
        let pickups = service.branches.filter(\.active)
        let fees = try await service.circulation.holdFees(member: chosen, format: title.format, pickups: pickups.map(\.id))
        let oneFee = Set(fees.values).count <= 1 ? fees.values.first ?? 0 : nil
        let fee = switch oneFee {
        case 0?: Locales.text("portal_hold_free", lang)
        case let cents?: Locales.text("portal_hold_fee", lang, ["amount": Money.text(cents)])
        case nil: Locales.text("portal_hold_fee_varies", lang)
        }
        let context = HoldFormContext(
            page: Self.page(req, org, title: Locales.text("portal_place_hold", lang)), organisation: org.name,
            orgURL: "/\(org.slug)", base: Self.base(org), title: title.title, titleID: titleID, titleURL: "/\(org.slug)/catalogus/\(titleID)",
            accounts: try await service.manageable().map { FormOption(value: $0.id.uuidString, label: $0.name, selected: $0.id == chosen) },
            branches: pickups.map { branch in
                // Where the fee differs by branch, each branch says its own.
                let label = oneFee == nil ? "\(branch.name) (\(fees[branch.id].map { $0 == 0 ? Locales.text("portal_free", lang) : Money.text($0) } ?? ""))"
                    : branch.name
                return FormOption(value: branch.slug, label: label, selected: chosenBranch.map { $0 == branch.slug } ?? (branch.id == home))
            },
            fee: fee, errors: error.map { FormErrors($0, lang: lang, known: ["lid", "pickup"]) })
        let response = try await PublicPages().render(req, "portal/hold", context)
        response.refused(by: error)
        return response
    }
}
