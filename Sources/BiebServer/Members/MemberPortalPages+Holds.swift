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
        let error: String?
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
        let context = HoldFormContext(
            page: Self.page(req, org, title: Locales.text("portal_place_hold", lang), name: nil), organisation: org.name,
            orgURL: "/\(org.slug)", base: Self.base(org), title: title.title, titleID: titleID, titleURL: "/\(org.slug)/catalogus/\(titleID)",
            accounts: try await service.manageable().map { FormOption(value: $0.id.uuidString, label: $0.name, selected: $0.id == chosen) },
            branches: service.branches.filter(\.active).map { branch in
                FormOption(value: branch.slug, label: branch.name, selected: chosenBranch.map { $0 == branch.slug } ?? (branch.id == home))
            },
            error: error?.message(dutch: lang == .nl))
        let response = try await PublicPages().render(req, "portal/hold", context)
        response.status = error?.httpStatus ?? .ok
        return response
    }
}
