import Foundation
import Testing
import BiebCore
@testable import BiebStore
import BiebTestSupport

@Suite("Customer research: surveys and versions") struct SurveyStoreTests {
    @Test(arguments: TestDatabase.all)
    func aPublishedVersionIsFrozenAndAChangeIsANewVersion(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let surveys = Surveys(app.db, organisationID: f.city)
            let draft = Surveys.Draft(titleNL: "Bibliotheekpanel voorjaar", titleEN: "Library panel spring", questions: Array(StandardQuestions.all.prefix(3)))
            #expect(await refusal { _ = try await surveys.create(slug: "Panel Voorjaar", draft) }?.field == "slug")
            #expect(await refusal { _ = try await surveys.create(slug: "panel", Surveys.Draft(titleNL: " ", titleEN: "x", questions: [])) }?.field == "title_nl")
            let (survey, first) = try await surveys.create(slug: "panel", draft)
            #expect(await refusal { _ = try await surveys.create(slug: "panel", draft) }?.code == "survey_exists")
            // A draft may be anything while it is edited; publishing checks its questions.
            try await surveys.edit(version: first, Surveys.Draft(titleNL: "Panel", titleEN: "Panel", questions: []))
            #expect(await refusal { try await surveys.publish(version: first) }?.field == "questions")
            try await surveys.edit(version: first, draft)
            try await surveys.publish(version: first, now: Date(timeIntervalSince1970: 1_800_000_000))
            let published = try await surveys.version(first)
            #expect(published.status == .published && published.anonymous && published.questions == draft.questions)
            #expect(published.publishedAt == Date(timeIntervalSince1970: 1_800_000_000))
            // Frozen: not edited, not published again.
            #expect(await refusal { try await surveys.edit(version: first, draft) }?.code == "survey_version_frozen")
            #expect(await refusal { try await surveys.publish(version: first) }?.code == "survey_version_frozen")
            // A new version starts as a copy; one draft at a time.
            let second = try await surveys.newVersion(of: survey)
            let copy = try await surveys.version(second)
            #expect(copy.number == 2 && copy.status == .draft && copy.questions == draft.questions)
            #expect(await refusal { _ = try await surveys.newVersion(of: survey) }?.code == "survey_draft_open")
            var changed = draft
            changed.questions.append(StandardQuestions.all.last!)
            try await surveys.edit(version: second, changed)
            try await surveys.publish(version: second)
            #expect(try await surveys.versions(of: survey).map(\.status) == [.published, .closed])
            let listed = try await surveys.all()
            #expect(listed.map(\.slug) == ["panel"] && listed.first?.latest.number == 2 && listed.first?.latest.questions.count == 4)
            // Another organisation sees none of it.
            let other = Surveys(app.db, organisationID: f.town)
            #expect(await refusal { _ = try await other.version(first) }?.kind == .notFound)
            #expect(await refusal { _ = try await other.newVersion(of: survey) }?.kind == .notFound)
            #expect(try await other.all().isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func twoPeoplePublishingOneDraftAtOnceExactlyOnePublishes(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let surveys = Surveys(app.db, organisationID: f.city)
            let (_, version) = try await surveys.create(slug: "na-het-debat", Surveys.Draft(titleNL: "Na het debat", titleEN: "After the debate",
                                                                                            questions: [StandardQuestions.all[0]]))
            async let a: Bool = { do { try await surveys.publish(version: version); return true } catch { return false } }()
            async let b: Bool = { do { try await surveys.publish(version: version); return true } catch { return false } }()
            let outcomes = await [a, b]
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await surveys.version(version).status == .published)
        }
    }
}
