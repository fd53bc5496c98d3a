import Foundation
import Testing
import Vapor
import VaporTesting
@testable import BiebServer
import OpenAPIKit
import BiebStore
import BiebTestSupport
import BiebCore

@Suite struct OperationsTests {
    @Test(arguments: TestDatabase.all)
    func healthChecksTheDatabase(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let client = TestClient(app)
            let response = try await client.send(.GET, "/health")
            #expect(response.status == .ok)
            let body = try object(response)
            #expect(body["status"] as? String == "ok")
            #expect(body["database"] as? String == "ok")
            #expect(response.headers.first(name: .cacheControl) == "no-store")
        }
    }

    @Test func metricsCountRequestsByRoute() async throws {
        try await withBieb(.sqlite) { app in
            let client = TestClient(app)
            _ = try await Fixture.make(on: app)
            for _ in 0..<3 { try await client.send(.GET, "/api/v1/organisations/city/branches") }
            let response = try await client.send(.GET, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers.contentType?.subType == "plain")
            let text = response.body.string
            let line = text.split(separator: "\n").first {
                $0.hasPrefix("http_requests_total{") && $0.contains(#"path="/api/v1/organisations/:org/branches""#) && $0.contains(#"status="200""#)
            }
            let count = try #require(line.flatMap { Double($0.split(separator: " ").last ?? "") })
            #expect(count >= 3)
            #expect(text.contains("http_request_duration_seconds_bucket{"))
        }
    }

    @Test func openAPIDescribesEveryRouteAndNothingElse() async throws {
        try await withBieb(.sqlite) { app in
            let client = TestClient(app)
            let response = try await client.send(.GET, "/api/openapi.json")
            #expect(response.status == .ok)
            let document = try object(response)
            #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            var registered = Set<String>()
            for route in app.routes.all {
                let path = "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
                guard path.hasPrefix("/api/") || path == "/health" || path == "/metrics" else { continue }
                registered.insert("\(route.method.rawValue) \(path)")
            }
            #expect(registered.subtracting(documented).isEmpty, "routes missing from the OpenAPI document: \(registered.subtracting(documented).sorted())")
            #expect(documented.subtracting(registered).isEmpty, "documented paths without a route: \(documented.subtracting(registered).sorted())")
            #expect(registered.count > 25)
            // Every $ref points at a defined schema.
            let text = response.body.string
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            var rest = text[...]
            while let range = rest.range(of: "#/components/schemas/") {
                let name = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber }
                #expect(schemas[String(name)] != nil, "undefined schema \(name)")
                rest = rest[range.upperBound...]
            }
        }
    }

    /// The enumerations in the document are the cases of the Swift enums, not copies that drift.
    @Test func openAPIEnumsAreTheSwiftEnumsCases() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func values(_ schema: String, _ property: String) -> [String]? {
            let properties = (schemas[schema] as? [String: Any])?["properties"] as? [String: Any]
            return (properties?[property] as? [String: Any])?["enum"] as? [String]
        }
        #expect(values("Branch", "kind") == BranchKind.allCases.map(\.rawValue))
        #expect(values("Item", "status") == ItemStatus.allCases.map(\.rawValue))
        #expect(values("User", "role") == StaffRole.allCases.map(\.rawValue))
        #expect(values("MemberView", "purpose") == ViewPurpose.allCases.map(\.rawValue))
        #expect(values("Segment", "level") == ServiceLevel.allCases.map(\.rawValue))
        #expect(values("Period", "weekday") == Weekday.allCases.map(\.name))
        // The branch list's filter takes the same kinds as a branch has.
        let branches = (document["paths"] as? [String: Any])?["/api/v1/organisations/{org}/branches"] as? [String: Any]
        let parameters = (branches?["get"] as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
        let kind = parameters.first { $0["name"] as? String == "kind" }?["schema"] as? [String: Any]
        #expect(kind?["enum"] as? [String] == BranchKind.allCases.map(\.rawValue))
    }

    /// The test client's check of every answer against the served document still bites: a branch
    /// of a kind the document does not list is reported.
    @Test func openAPIConformanceCatchesAValueOutsideTheEnum() async throws {
        try await withBieb(.sqlite) { app in
            _ = try await Fixture.make(on: app)
            let path = "/api/v1/organisations/city/branches"
            var response = try await TestClient(app).send(.GET, path)
            #expect(try await OpenAPIConformance.problems(method: .GET, path: path, response: response, app: app).isEmpty)
            var branches = try list(response)
            try #require(!branches.isEmpty)
            branches[0]["kind"] = "castle"
            response.body = ByteBuffer(string: String(decoding: try JSONSerialization.data(withJSONObject: branches), as: UTF8.self))
            let problems = try await OpenAPIConformance.problems(method: .GET, path: path, response: response, app: app)
            #expect(problems.contains { $0.contains("'castle' is not one of") }, "\(problems)")
        }
    }

    /// The features' parts are merged into one document, where a path or schema defined twice would keep only its first definition.
    @Test func openAPIFeaturesDefineEachPathAndSchemaOnce() {
        let parts = OpenAPIDocument.parts
        #expect(parts.map(\.paths.count).reduce(0, +) == OpenAPIDocument.document.paths.count)
        #expect(parts.map(\.schemas.count).reduce(0, +) == OpenAPIDocument.document.components.schemas.count)
    }

    /// OpenAPIKit's own checks: references and security schemes resolve, parameters and tags are unique.
    @Test func openAPIDocumentPassesOpenAPIKitsValidation() throws {
        try OpenAPIDocument.document.validate()
    }

    @Test func bothLanguagesHaveTheSameTexts() throws {
        #expect(try LocaleCheck.mismatchedKeys() == [])
        #expect(try LocaleCheck.undefinedTemplateKeys() == [])
    }

    @Test func acceptLanguagePreference() {
        #expect(Language.fromAcceptLanguage("en-GB,en;q=0.9,nl;q=0.8") == .en)
        #expect(Language.fromAcceptLanguage("de-DE,nl;q=0.5,en;q=0.4") == .nl)
        #expect(Language.fromAcceptLanguage("fr, de") == nil)
        #expect(Language.fromAcceptLanguage("en;q=0, nl") == .nl)
        #expect(Language.fromAcceptLanguage("nl-BE, en") == .nl)
    }

    @Test func unknownPathsAre404InJSONForTheAPI() async throws {
        try await withBieb(.sqlite) { app in
            let client = TestClient(app)
            let response = try await client.send(.GET, "/api/v1/nothing-here")
            #expect(response.status == .notFound)
            #expect(response.apiError?.code == "not_found")
            let page = try await client.send(.GET, "/no-such-organisation")
            #expect(page.status == .notFound)
            #expect(page.headers.contentType == .html)
            #expect(page.body.string.contains("Niet gevonden"))
        }
    }
}

@Suite struct SearchWarmupTests {
    @Test(arguments: TestDatabase.all)
    func warmUpLoadsEveryOrganisationsSearchColumns(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            #expect(app.searchMemory.facets.loadedVersion(of: fixture.city) == nil)
            try await SearchWarmup.warm(app)
            let loaded = try #require(app.searchMemory.facets.loadedVersion(of: fixture.city))
            #expect(loaded > 0)
            // A later search finds the columns current and does not load again.
            let search = CatalogSearch(app.db, organisationID: fixture.city, memory: app.searchMemory)
            let page = try await search.search(try SearchQuery.parse("avonden"))
            #expect(!page.titles.isEmpty)
            #expect(app.searchMemory.facets.loadedVersion(of: fixture.city) == loaded)
        }
    }
}
