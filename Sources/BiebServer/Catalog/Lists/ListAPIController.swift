import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// A curated list as staff send it: the API's body and the staff list
/// forms alike, applied in one place. A field left out keeps its value.
struct TitleListInput: Content {
    var name: String?
    var slug: String?
    var description: String?
    /// Branch slug; empty for none.
    var branch: String?
    var is_public: Bool?

    /// Applies the given fields to `list`; an unknown branch is named.
    func apply(to list: TitleList, service: ListService) throws {
        if let name { list.name = name }
        if let slug { list.slug = slug }
        if let description { list.description = description }
        if let is_public { list.isPublic = is_public }
        if let branch {
            if branch.trimmed.isEmpty {
                list.branchID = nil
            } else {
                guard let id = service.catalogue.branchesBySlug[branch.trimmed] else {
                    throw BiebError.invalid("branch", "No branch '\(branch)'.", nl: "Geen vestiging '\(branch)'.")
                }
                list.branchID = id
            }
        }
    }
}

struct ListEntryInput: Content {
    var title_id: Int?
    var note: String?
}

/// Curated lists and "new in the collection" over the API. Public reads under
/// `/api/v1/organisations/{org}/…`; staff writes under `/api/v1/lists` (the
/// account's own organisation, permission `manageLists`; volunteers only
/// for lists of their own branch). The handlers: `ListAPI+Public.swift`,
/// `ListAPI+Staff.swift`.
struct ListAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.get("organisations", ":org", "lists", use: publicLists)
        api.get("organisations", ":org", "lists", ":slug", use: publicList)
        api.get("organisations", ":org", "branches", ":branch", "new", use: newInCollection)
        let staff = api.grouped(BearerAuthenticator())
        staff.get("lists", use: staffLists)
        staff.post("lists", use: create)
        staff.get("lists", ":listID", use: staffList)
        staff.patch("lists", ":listID", use: update)
        staff.delete("lists", ":listID", use: delete)
        staff.post("lists", ":listID", "titles", use: addTitle)
        staff.delete("lists", ":listID", "titles", ":titleID", use: removeTitle)
    }
}
