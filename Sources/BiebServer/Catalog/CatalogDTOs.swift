import Foundation
import Vapor
import BiebCore
import BiebStore

struct AvailabilityDTO: Content {
    let branch_id: UUID
    let branch: String
    let on_shelf: Int
    let on_loan: Int
    let earliest_due: Date?
    let in_transit: Int
    let on_hold_shelf: Int
}

struct TitleSummaryDTO: Content {
    let id: Int
    let title: String
    let subtitle: String?
    let author: String?
    let year: Int?
    let format: String
    let language: String?
    let isbn: String?
    let url: String
    let availability: [AvailabilityDTO]
    /// Copies on a shelf now, anywhere.
    let on_shelf: Int
}

struct WorkDTO: Content {
    let key: String
    let titles: [TitleSummaryDTO]
}

struct FacetValueDTO: Content {
    let value: String
    let label: String
    let count: Int
}

struct FacetsDTO: Content {
    let format: [FacetValueDTO]
    let language: [FacetValueDTO]
    let audience: [FacetValueDTO]
    /// By NUR code.
    let genre: [FacetValueDTO]
    let decade: [FacetValueDTO]
    let branch: [FacetValueDTO]
    let available_now: Int
}

struct SearchResultDTO: Content {
    let query: String
    let total: Int
    let title_count: Int
    let page: Int
    let per_page: Int
    let works: [WorkDTO]
    let facets: FacetsDTO?
}

struct ContributorDTO: Content {
    let name: String
    let role: String
    let main: Bool
}

struct TitleDTO: Content {
    let id: Int
    let organisation: String
    let control_number: String?
    let title: String
    let subtitle: String?
    let responsibility: String?
    let contributors: [ContributorDTO]
    let publisher: String?
    let place: String?
    let year: Int?
    let edition: String?
    let isbns: [String]
    let language: String?
    let format: String
    let series: String?
    let series_number: String?
    let subjects: [String]
    let summary: String?
    let audience: String?
    let age_min: Int?
    let age_max: Int?
    let avi: String?
    let nur: Int?
    let siso: String?
    let cover: String?
    let access_rule: String?
    let link: String?
    let availability: [AvailabilityDTO]
    let other_editions: [TitleSummaryDTO]
    let updated_at: Date
}

struct ItemDTO: Content {
    let id: Int
    let barcode: String
    let branch_id: UUID
    let branch: String
    let owning_branch_id: UUID
    let call_number: String
    let shelf_location: String
    let status: String
    let due_at: Date?
}
