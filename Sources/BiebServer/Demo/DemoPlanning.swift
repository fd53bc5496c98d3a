import Foundation
import Vapor
import BiebCore
import BiebStore

/// Network planning in the demo: The Hague's 42 districts with inhabitants,
/// age groups, households and centroids, imported the way a planner imports
/// CBS's key figures (`Resources/Demo/denhaag-wijken.csv`, in CBS's layout),
/// and the postcode areas that place members in them
/// (`Resources/Demo/denhaag-postcodes.csv`). From `shared/data/nl-demo-facts`:
/// the districts, their centroids (estimates, ±1 km) and ten districts'
/// inhabitants (a secondary source quoting CBS for 1 January 2026: those are
/// marked "nee" in the file's `Schatting` column). Every other figure —
/// inhabitants sized to the city districts' totals, the age groups and
/// households from five typical profiles, the postcode areas — is an
/// estimate and marked so. Nothing about the gaps is written in: they come
/// out of the computation. The planner's own focus for two branches and one
/// saved scenario are there to look at.
enum DemoPlanning {
    static func seed(app: Application, organisation: UUID) async throws {
        let directory = Resources.directory.appendingPathComponent("Demo")
        let areas = PlanningAreas(app.db, organisationID: organisation)
        let figures = try String(contentsOf: directory.appendingPathComponent("denhaag-wijken.csv"), encoding: .utf8)
        let imported = try await areas.importFigures(figures, source: "Demo: wijken van Den Haag (CBS-indeling; schattingen gemarkeerd)")
        guard imported.accepted else { throw BiebError.invalid("file", "The demo's districts do not import: \(imported.problems)") }
        let postcodes = try String(contentsOf: directory.appendingPathComponent("denhaag-postcodes.csv"), encoding: .utf8)
        guard try await areas.importPostcodes(postcodes).accepted else { throw BiebError.invalid("file", "The demo's postcode areas do not import.") }
        let branches = try await BranchDirectory(app.db).branches(of: organisation)
        func id(_ slug: String) -> UUID? { branches.first { $0.slug == slug }?.id }
        let planning = NetworkPlanning(app.db, organisationID: organisation)
        if let schilderswijk = id("schilderswijk") {
            try await planning.setFocus(branch: schilderswijk, focus: .social,
                                        reason: "Jonge wijk met veel gezinnen en veel vraag naar taal- en digitale vaardigheden; Taalhuis in huis.",
                                        area: "WK051829", by: "directie@denhaag.bieb.demo")
        }
        if let central = id("centrale-bibliotheek") {
            try await planning.setFocus(branch: central, focus: .culture, reason: "Stadsbrede functie: debat, lezingen en tentoonstellingen.",
                                        area: "WK051828", by: "directie@denhaag.bieb.demo")
        }
        // The Central Innovation District: a library in the Binckhorst, at the district's centroid.
        _ = try await PlanningScenarios(app.db, organisationID: organisation).save(
            name: "Wijkbibliotheek Binckhorst (CID)", note: "Nieuwbouwgebied: wat levert een vestiging aan de Binckhorstlaan op?",
            changes: [.open(name: "Bibliotheek Binckhorst", kind: .district, point: GeoPoint(latitude: 52.0700, longitude: 4.3450))],
            by: "directie@denhaag.bieb.demo")
    }
}
