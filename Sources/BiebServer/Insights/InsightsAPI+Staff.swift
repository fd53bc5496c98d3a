import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Management information over the API (`viewInsights`): a year's months
/// of one kind of fact, for the organisation or a branch and an audience.
/// The numbers leave Bieb, so a month under 5 has no count, only "<5".
struct InsightsAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(BearerAuthenticator())
        api.get("insights", "months", use: months)
    }

    struct MonthDTO: Content {
        let month: String
        /// The count; null when under 5.
        let count: Int?
        /// The count as it may be shown: the number, or "<5".
        let shown: String
    }

    struct MonthsDTO: Content {
        let kind: String
        let year: Int
        let branch: String?
        let audience: String?
        let months: [MonthDTO]
    }

    func months(req: Request) async throws -> MonthsDTO {
        let service = try await InsightsService.make(req)
        let kindText = req.query[String.self, at: "kind"] ?? FactKind.loan.rawValue
        guard let kind = FactKind(rawValue: kindText) else {
            let known = FactKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw BiebError.invalid("kind", "Choose one of: \(known).", nl: "Kies een van: \(known).")
        }
        let audience = req.query[String.self, at: "audience"]
        if let audience, !["youth", "adult", "unknown"].contains(audience) {
            throw BiebError.invalid("audience", "Choose youth, adult or unknown.", nl: "Kies youth, adult of unknown.")
        }
        let year = try service.year(req.query[Int.self, at: "year"])
        let branch = try service.branch(req.query[String.self, at: "branch"])
        let months = try await service.months(kind, year: year, branch: branch?.id, audience: audience)
        return MonthsDTO(kind: kind.rawValue, year: year, branch: branch?.slug, audience: audience, months: months.map {
            MonthDTO(month: $0.month, count: $0.count < SmallCells.threshold ? nil : $0.count, shown: SmallCells.text($0.count))
        })
    }
}
