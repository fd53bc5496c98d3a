import Foundation
import Testing
@testable import BiebCore

@Suite("Network planning: area statistics") struct AreaStatisticsTests {
    /// CBS's layout: `;`, quoted values padded with spaces, numeric suffixes on the headings, "." for unknown.
    static let kerncijfers2023 = """
        "ID";"WijkenEnBuurten";"Gemeentenaam_1";"SoortRegio_2";"Codering_3";"IndelingswijzigingWijkenEnBuurten_4";"AantalInwoners_5";"Mannen_6";"Vrouwen_7";"k_0Tot15Jaar_8";"k_15Tot25Jaar_9";"k_25Tot45Jaar_10";"k_45Tot65Jaar_11";"k_65JaarOfOuder_12";"HuishoudensTotaal_28";"OppervlakteTotaal_111"
        1;"'s-Gravenhage                           ";"'s-Gravenhage                           ";"Gemeente  ";"GM0518    ";"1        ";    552995;    274710;    278285;     92160;     66635;    166850;    137925;     89425;    283530;      9813
        2;"Wijk 01 Oostduinen                      ";"'s-Gravenhage                           ";"Wijk      ";"WK051801  ";"1        ";      1195;       585;       610;       185;        95;       225;       395;       295;       545;       829
        3;"Wijk 28 Centrum                         ";"'s-Gravenhage                           ";"Wijk      ";"WK051828  ";"1        ";     21955;     11280;     10675;      2290;      3985;      9705;      3950;      2025;     14410;       201
        4;"Oostduinen                              ";"'s-Gravenhage                           ";"Buurt     ";"BU05180101";"1        ";         .;         .;         .;         .;         .;         .;         .;         .;         .;       456
        """

    @Test func readsCBSKeyFiguresByNameNotPosition() throws {
        let result = try AreaStatistics.parse(Self.kerncijfers2023)
        #expect(result.accepted)
        #expect(result.areas.map(\.code) == ["GM0518", "WK051801", "WK051828", "BU05180101"])
        #expect(result.areas.map(\.level) == [.municipality, .district, .district, .neighbourhood])
        let centrum = result.areas[2]
        #expect(centrum.name == "Wijk 28 Centrum" && centrum.municipality == "'s-Gravenhage")
        #expect(centrum.inhabitants == 21955 && centrum.households == 14410 && centrum.hectares == 201)
        #expect(centrum.ages == AgeGroups(under15: 2290, from15to25: 3985, from25to45: 9705, from45to65: 3950, from65: 2025))
        // "." is unknown, not zero.
        #expect(result.areas[3].inhabitants == nil && result.areas[3].ages == nil && result.areas[3].hectares == 456)
        // Next year's file numbers its columns otherwise and orders them otherwise: read the same.
        let lines = Self.kerncijfers2023.split(separator: "\n").map(String.init)
        let reordered = lines.map { line -> String in
            var cells = line.components(separatedBy: ";")
            cells.swapAt(6, 9)
            return cells.joined(separator: ";")
        }.joined(separator: "\n")
            .replacingOccurrences(of: "AantalInwoners_5", with: "AantalInwoners_6").replacingOccurrences(of: "k_0Tot15Jaar_8", with: "k_0Tot15Jaar_9")
            .replacingOccurrences(of: "Codering_3", with: "Codering_4")
        #expect(try AreaStatistics.parse(reordered).areas == result.areas)
    }

    @Test func codesWithoutPrefixTakeTheLevelFromTheRegionKind() throws {
        let file = """
            code,name,SoortRegio,inhabitants,latitude,longitude,estimate
            051804,Benoordenhout,Wijk,13900,52.0960,4.3250,ja
            0518,Den Haag,Gemeente,565701,"52,08","4,31",nee
            """
        let result = try AreaStatistics.parse(file)
        #expect(result.accepted)
        #expect(result.areas.map(\.code) == ["WK051804", "GM0518"])
        #expect(result.areas[0].centroid == GeoPoint(latitude: 52.096, longitude: 4.325) && result.areas[0].estimate)
        #expect(result.areas[1].centroid == GeoPoint(latitude: 52.08, longitude: 4.31) && !result.areas[1].estimate)
    }

    @Test func everyBadLineIsAProblemAndNothingIsAccepted() throws {
        let file = """
            Codering;WijkenEnBuurten;AantalInwoners;k_0Tot15Jaar;k_15Tot25Jaar;k_25Tot45Jaar;k_45Tot65Jaar;k_65JaarOfOuder;lat;lon
            WK051801;Oostduinen;1195;185;95;225;395;295;52.117;4.300
            WK05180;Kort;100;.;.;.;.;.;;
            WK051802;Belgisch Park;veel;.;.;.;.;.;;
            WK051801;Oostduinen weer;10;.;.;.;.;.;;
            WK051803;Te oud;100;100;100;100;100;100;;
            WK051804;Halve plek;100;.;.;.;.;.;52.1;
            WK051805;Buitenland;100;.;.;.;.;.;48.85;2.35
            WK051806;Min;-5;.;.;.;.;.;;
            """
        let result = try AreaStatistics.parse(file)
        #expect(!result.accepted)
        #expect(result.problems.map(\.line) == [3, 4, 5, 6, 7, 8, 9])
        #expect(result.problems.map(\.code) == ["bad_area_code", "bad_number", "duplicate_area", "ages_exceed_inhabitants", "bad_centroid",
                                                "bad_centroid", "negative_number"])
        #expect(result.problems[2].messageNL.contains("regel 2"))
    }

    @Test func aFileWithoutACodeColumnOrEmptyIsRefusedWhole() {
        #expect(throws: BiebError.self) { try AreaStatistics.parse("naam;inwoners\nCentrum;100\n") }
        do {
            _ = try AreaStatistics.parse("naam;inwoners\nCentrum;100\n")
        } catch {
            #expect(error.code == "no_code_column")
        }
        do {
            _ = try AreaStatistics.parse("\n\n")
            Issue.record("an empty file was read")
        } catch {
            #expect(error.code == "empty_file")
        }
    }
}

@Suite("Network planning: postcode areas") struct PostcodeAreasTests {
    /// CBS's table of addresses: a postcode area goes to the district most of its addresses lie in.
    @Test func cbsAddressTableGivesEachPostcodeAreaItsMainDistrict() throws {
        let file = """
            PC6;Huisnummer;Buurt2023;Wijk2023;Gemeente2023
            2511BT;68;05182804;051828;0518
            2511BT;70;05182804;051828;0518
            2511CV;1;05182701;051827;0518
            2596EC;220;05180403;051804;0518
            """
        let result = try PostcodeAreas.parse(file)
        #expect(result.accepted)
        #expect(result.areas == ["2511": "WK051828", "2596": "WK051804"])
        // Neighbourhoods when asked.
        #expect(try PostcodeAreas.parse(file, level: .neighbourhood).areas == ["2511": "BU05182804", "2596": "BU05180403"])
    }

    @Test func plainListsAndBadLines() throws {
        let plain = "PC4,code\n2511,WK051828\n2596,BU05180403\n"
        #expect(try PostcodeAreas.parse(plain).areas == ["2511": "WK051828", "2596": "WK051804"])
        let bad = "PC4;Wijk\n2511;051828\n0123;051828\n25;051828\n2512;WK05\n"
        let result = try PostcodeAreas.parse(bad)
        #expect(!result.accepted && result.problems.map(\.line) == [3, 4, 5])
        #expect(result.problems.map(\.code) == ["bad_postcode", "bad_postcode", "bad_area_code"])
        do {
            _ = try PostcodeAreas.parse("postcode;inwoners\n2511;4\n")
            Issue.record("a file without an area column was read")
        } catch {
            #expect(error.code == "no_postcode_columns")
        }
    }
}

@Suite("Network planning: distance and coverage") struct CoverageTests {
    /// The haversine formula's worked example (Rosetta Code): Nashville (BNA) to Los Angeles (LAX) on a sphere of radius 6372.8 km.
    @Test func haversineWorkedExample() {
        let bna = GeoPoint(latitude: 36.12, longitude: -86.67), lax = GeoPoint(latitude: 33.94, longitude: -118.40)
        #expect(abs(Geo.distance(bna, lax, radius: 6372.8) - 2887.2599506071106) < 1e-9)
        #expect(Geo.distance(bna, bna) == 0)
        // A degree of latitude is about 111.2 km on the mean radius.
        #expect(abs(Geo.distance(GeoPoint(latitude: 52, longitude: 4.3), GeoPoint(latitude: 53, longitude: 4.3)) - 111.195) < 0.001)
        // The journey: 1.3 × the line, walked at 5 km an hour.
        #expect(abs(Journey().walkingMinutes(1.0) - 15.6) < 1e-9)
    }

    /// A town on a line of longitude 4.3: areas a kilometre apart (0.009° of latitude ≈ 1 km).
    static func area(_ code: String, km: Double, inhabitants: Int) -> PlanningArea {
        PlanningArea(code: code, name: code, inhabitants: inhabitants, point: GeoPoint(latitude: 52 + km * 0.008993, longitude: 4.3))
    }

    static func branch(_ id: String, _ kind: BranchKind, km: Double) -> PlannedBranch {
        PlannedBranch(id: id, name: id, kind: kind, point: GeoPoint(latitude: 52 + km * 0.008993, longitude: 4.3))
    }

    static let areas = [area("A", km: 0, inhabitants: 20_000), area("B", km: 1, inhabitants: 15_000), area("C", km: 2, inhabitants: 8_000),
                        area("D", km: 5, inhabitants: 12_000)]
    static let branches = [branch("central", .central, km: 0), branch("district", .district, km: 2.2), branch("volunteers", .neighbourhood, km: 5)]

    @Test func eachAreaGoesToItsNearestLibraryAndFarOnesAreGaps() {
        let coverage = Coverage.compute(areas: Self.areas, branches: Self.branches)
        #expect(coverage.areas.map { $0.library?.branch } == ["central", "central", "district", "district"])
        // D has a volunteer library next door, which is not a library in the norm's sense: D is a gap.
        #expect(coverage.gaps.map(\.code) == ["D"])
        #expect(coverage.areas[3].nearest[.neighbourhood]?.branch == "volunteers")
        #expect(abs(coverage.areas[3].nearest[.neighbourhood]!.distance) < 0.01)
        #expect(abs(coverage.areas[3].library!.distance - 2.8) < 0.01)
        #expect(coverage.inhabitants == 55_000 && coverage.withinReach == 43_000)
        #expect(coverage.catchments.map(\.branch) == ["central", "district"])
        #expect(coverage.catchments.map(\.inhabitants) == [35_000, 20_000])
        #expect(coverage.overNorm.map(\.branch) == ["central"])
        #expect(coverage.libraries == 2 && coverage.librariesNeeded == 2 && coverage.kinds[.neighbourhood] == 1)
        // (20,000 × 0 + 15,000 × 1 + 8,000 × 0.2 + 12,000 × 2.8) ÷ 55,000 km.
        #expect(abs(coverage.averageDistance - (15_000 + 1_600 + 33_600) / 55_000) < 0.01)
        // A stricter norm and distance.
        let strict = Coverage.compute(areas: Self.areas, branches: Self.branches, settings: CoverageSettings(norm: 10_000, maximumDistance: 0.5))
        #expect(strict.gaps.map(\.code) == ["B", "D"] && strict.librariesNeeded == 6 && strict.overNorm.count == 2)
    }

    @Test func aNetworkWithoutLibrariesLeavesEveryAreaAGap() {
        let coverage = Coverage.compute(areas: Self.areas, branches: [Self.branch("point", .outreachPoint, km: 1)])
        #expect(coverage.gaps.count == 4 && coverage.withinReach == 0 && coverage.catchments.isEmpty && coverage.averageDistance == 0)
    }

    @Test func aScenarioOpensAndClosesWithoutTouchingTheNetwork() {
        let scenario = Scenario(changes: [.open(name: "Nieuw", kind: .district, point: GeoPoint(latitude: 52 + 5 * 0.008993, longitude: 4.3)),
                                          .close(branch: "district")])
        let network = Self.branches
        let changed = scenario.apply(to: network)
        #expect(changed.map(\.id) == ["central", "volunteers", "new-1"])
        #expect(network.map(\.id) == ["central", "district", "volunteers"])
        let outcome = scenario.outcome(areas: Self.areas, branches: network)
        // D is covered by the new library; C loses its library (2 km from the central one).
        #expect(outcome.covered == 12_000 && outcome.lost == 8_000)
        #expect(outcome.after.gaps.map(\.code) == ["C"])
        #expect(outcome.averageDistanceChange < 0)
        #expect(outcome.after.catchments.map(\.branch) == ["central", "new-1"])
    }

    @Test func theMapDrawsAreasByReachBranchesByKindAndCatchments() throws {
        let coverage = Coverage.compute(areas: Self.areas, branches: Self.branches)
        let legend = NetworkMap.Legend(withinReach: "binnen bereik", gap: "buiten bereik",
                                       kinds: [.central: "centrale", .district: "wijk", .neighbourhood: "buurt"])
        let map = NetworkMap(title: "Bereik <Stad>", summary: "4 gebieden", areas: Self.areas, coverage: coverage,
                             branches: Self.branches + [PlannedBranch(id: "p", name: "Punt & Co", kind: .outreachPoint, point: GeoPoint(latitude: 52.01, longitude: 4.31))],
                             legend: legend)
        let svg = map.svg(id: "kaart")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>") && svg.contains(#"aria-labelledby="kaart-title kaart-desc""#))
        #expect(svg.contains("<title id=\"kaart-title\">Bereik &lt;Stad&gt;</title>") && svg.contains("Punt &amp; Co"))
        // An area by its reach: D is a gap, hatched; A within reach.
        let d = try #require(svg.range(of: "<title>D: 12.000 (buiten bereik)</title>"))
        #expect(svg[..<d.lowerBound].suffix(200).contains("url(#kaart-hatch)"))
        #expect(svg.contains("<title>A: 20.000 (binnen bereik)</title>"))
        // Numbers in the legend's language.
        var english = legend
        english.locale = Locale(identifier: "en_GB")
        #expect(NetworkMap(title: "Reach", summary: "", areas: Self.areas, coverage: coverage, branches: Self.branches, legend: english)
            .svg(id: "map").contains("<title>A: 20,000 ("))
        // A line from each area to its library; the largest area's circle is 5 % of the width across.
        #expect(svg.components(separatedBy: ##"stroke="#767a85""##).count - 1 == 4)
        #expect(svg.contains(#"r="29.6""#))
        // Marks by kind, titled with the location's name and kind.
        #expect(svg.contains("<rect") && svg.contains("<title>central (centrale)</title>") && svg.contains("<title>volunteers (buurt)</title>"))
        // Nothing to draw: a titled, empty drawing.
        #expect(NetworkMap(title: "Leeg", summary: "", areas: [], coverage: Coverage.compute(areas: [], branches: []), branches: [], legend: legend)
            .svg(id: "x").contains("Leeg"))
    }
}
