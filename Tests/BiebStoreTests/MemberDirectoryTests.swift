import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

@Suite("Members") struct MemberDirectoryTests {
    func draft(_ name: String, _ birth: String, email: String? = nil) -> MemberDraft {
        MemberDraft(name: name, birthDate: birth, email: email, street: "Spui 68", postcode: "2511bt", city: "Den Haag")
    }

    @Test(arguments: TestDatabase.all)
    func registerFindChangeAndBlock(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await CirculationFixture.make(on: app, today: monday)
            let members = MemberDirectory(app.db, organisationID: f.network.city)

            // Found by card (any case), e-mail, or name words in any order without accents.
            let zoe = try await members.register(MemberRegistration(details: draft("Zoë van den Berg", "1990-05-01", email: "Zoe@Example.nl"),
                                                                    homeBranch: f.network.district, membershipType: "volledig", card: "z0042"),
                                                 today: monday)
            #expect(zoe.postcode == "2511 BT")
            #expect(zoe.membershipEnd == LocalDate(iso: "2027-11-22"))
            #expect(zoe.balanceCents == 5400)
            #expect(try await members.find("Z0042").map(\.id) == [zoe.id])
            #expect(try await members.find("zoe@example.nl").map(\.id) == [zoe.id])
            #expect(try await members.find("berg zoe").map(\.id) == [zoe.id])
            #expect(try await members.find("nobody").isEmpty)

            // Bad input names its field and stores nothing.
            let before = try await Member.query(on: app.db).count()
            func field(_ registration: MemberRegistration) async -> String? {
                do {
                    _ = try await members.register(registration, today: monday)
                    return nil
                } catch let error as BiebError {
                    return error.field
                } catch {
                    return "\(error)"
                }
            }
            #expect(await field(MemberRegistration(details: draft("X", "1990-01-01"), homeBranch: f.network.central, membershipType: "volledig",
                                                   card: "Z0042")) == "card")
            #expect(await field(MemberRegistration(details: draft("X", "1990-01-01"), homeBranch: f.network.central, membershipType: "jeugd",
                                                   card: "X0001")) == "membership_type")
            #expect(await field(MemberRegistration(details: draft("X", "1990-01-01"), homeBranch: f.network.townMain, membershipType: "volledig",
                                                   card: "X0001")) == "home_branch")
            #expect(await field(MemberRegistration(details: draft("X", "31-12-1990"), homeBranch: f.network.central, membershipType: "volledig",
                                                   card: "X0001")) == "birth_date")
            #expect(await field(MemberRegistration(details: draft("Kind", "2015-01-01"), homeBranch: f.network.central, membershipType: "jeugd",
                                                   card: "X0001", guardian: f.youth)) == "guardian")
            #expect(try await Member.query(on: app.db).count() == before)

            // A child with a parent: free, linked.
            let child = try await members.register(MemberRegistration(details: draft("Kind van Zoë", "2019-02-02"), homeBranch: f.network.central,
                                                                      membershipType: "jeugd", card: "K0001", guardian: zoe.id), today: monday)
            #expect(child.balanceCents == 0)
            #expect(child.guardianID == zoe.id)

            // A youth type for an adult is refused; no fee for a youth type.
            let youthWithFee = MembershipType(organisationID: f.network.city, code: "tiener", nameNL: "Tiener", nameEN: "Teen", yearlyFeeCents: 500, youth: true)
            #expect(await refusal { try await members.save(youthWithFee) }?.field == "yearly_fee_cents")

            // Change, block, new card (old one replaced), renew the membership.
            let changed = try await members.update(zoe.id!, details: draft("Zoë van den Berg", "1990-05-01", email: "zoe@bieb.nl"),
                                                   homeBranch: f.network.central, membershipType: "basis", guardian: nil, today: monday)
            #expect(changed.email == "zoe@bieb.nl")
            try await members.block(zoe.id!, reason: "Post kwam retour")
            #expect(try await members.member(zoe.id!)?.blockReason == "Post kwam retour")
            try await members.block(zoe.id!, reason: nil)
            _ = try await members.issueCard(zoe.id!, barcode: "Z0043", today: monday)
            #expect(try await members.cards(of: zoe.id!).map(\.status) == [.active, .replaced])
            #expect(await refusal { _ = try await Circulation(app.db, organisationID: f.network.city).member(card: "Z0042") }?.code == "card_lost")
            let renewed = try await members.renewMembership(zoe.id!, today: LocalDate(iso: "2027-11-01")!)
            #expect(renewed.membershipEnd == LocalDate(iso: "2028-11-22"))
            #expect(renewed.balanceCents == 5400 + 2900)

            // Another organisation does not see these members.
            #expect(try await MemberDirectory(app.db, organisationID: f.network.town).find("Z0043").isEmpty)
        }
    }
}
