import BiebCore
import OpenAPIKit

/// Management information in the OpenAPI document: `/api/v1/insights/…`
/// for admins and managers (`viewInsights`). Counts that leave Bieb are
/// "<5" under 5.
enum InsightsOpenAPI {
    typealias D = OpenAPIDocument

    static let measurementID = D.intParam("measurementID", "Measurement id")
    static let year = D.intParam("year", "The report's year")
    static let table = D.object([
        "name": D.string, "measures": D.array(D.string),
        "lines": D.array(D.object(["key": D.string, "label": D.string,
                                   "cells": D.anyObject.with(description: "Measure → the cell as it may be shown (a number, or \"<5\")")],
                                  required: ["key", "label", "cells"])),
        "totals": D.anyObject,
    ], required: ["name", "measures", "lines", "totals"])

    static let paths: D.Paths = [
        "/api/v1/insights/months": .init(get: D.op(
            "A year's months of one kind of fact (loans by default) for the organisation or a branch and an audience; a month under 5 has no count, only \"<5\" (management information: admins and managers)",
            tag: "insights",
            params: [D.query("kind", "loan, renewal, return, member_joined, membership_renewed or visit"), D.query("year", "The year (this year by default)", D.int),
                     D.query("branch", "A branch (id or slug); the organisation by default"), D.query("audience", "youth, adult or unknown")],
            response: D.ref("InsightMonths"), auth: true)),
        "/api/v1/insights/charts/{chart}": .init(get: chart),
        "/api/v1/insights/indicators": .init(get: D.op(
            "The indicator catalogue: each indicator's name and its definition written out, in Dutch and English", tag: "insights",
            response: D.array(D.ref("Indicator")), auth: true)),
        "/api/v1/insights/measurements": .init(
            get: D.op("Every measurement with its frozen snapshots, the latest end first", tag: "insights",
                      response: D.array(D.ref("Measurement")), auth: true),
            post: D.op("Set up a measurement: an indicator, the organisation or a branch, a start and an end day, and a target; snapshots of moments already past are taken at once",
                       tag: "insights", body: D.ref("MeasurementInput"), status: 201, response: D.ref("Measurement"), auth: true)),
        "/api/v1/insights/measurements/{measurementID}": .init(
            get: D.op("One measurement", tag: "insights", params: [measurementID], response: D.ref("Measurement"), auth: true,
                      extra: [404: D.error("No such measurement")]),
            delete: D.op("Remove a measurement and its snapshots", tag: "insights", params: [measurementID], status: 204, auth: true,
                         extra: [404: D.error("No such measurement")])),
        "/api/v1/insights/annual-reports/{year}": .init(get: annualReport),
        "/api/v1/insights/visitor-counts": .init(
            put: D.op("Staff's count of a day's visitors at a branch (replaces an earlier count of that day)", tag: "insights",
                      body: D.object(["branch": D.string, "day": D.date, "count": D.int], required: ["branch", "day", "count"]), status: 204, auth: true),
            post: visitorImport),
        "/api/v1/insights/annual-reports/{year}/entered": .init(put: D.op(
            "What staff fill in (FTE, staff, volunteers, income and expenses in whole euros, a note) while the report is a draft",
            tag: "insights", params: [year], body: D.ref("AnnualReportInput"), response: D.ref("AnnualReport"), auth: true,
            extra: [409: D.error("The report is published (`published`)")])),
        "/api/v1/insights/annual-reports/{year}/publish": .init(post: D.op(
            "Publish the report of a year that has ended: it is frozen as it stands", tag: "insights", params: [year],
            response: D.ref("AnnualReport"), auth: true,
            extra: [409: D.error("Published already (`published`), or the year has not ended (`year_not_over`)")])),
    ]

    /// The annual report: JSON, or CSV with `?format=csv`.
    static var annualReport: OpenAPI.Operation {
        var operation = D.op(
            "The annual report along the national statistics and the five core functions (frozen once published); `format=csv` gives it as CSV",
            tag: "insights", params: [year, D.query("branch", "A branch (id or slug); the organisation by default"),
                                      D.query("format", "json (default) or csv", D.enumeration(["json", "csv"]))],
            response: D.ref("AnnualReport"), auth: true)
        var content = D.json(D.ref("AnnualReport"))
        content[.csv] = .content(OpenAPI.Content(schema: D.string))
        operation.responses[.status(code: 200)] = .response(description: "OK", content: content)
        return operation
    }

    /// One of the dashboard's charts: JSON, or CSV with `?format=csv`.
    static var chart: OpenAPI.Operation {
        var operation = D.op(
            "One of the dashboard's charts for a year and the organisation or a branch, in the request's language (Accept-Language): "
                + "loans (per month, the year against the one before), audiences (loans per month to youth and adults), visits (visitors per month, "
                + "against the year before), weekdays (loans per weekday, the year and the one before), functions (participants per core function, "
                + "against the year before), branches (per branch loans, visits and participants, the year and the one before). Every value under 5 "
                + "is the text \"<5\". `format=csv` gives the same as CSV: the label's key and the label, then a column per series (its key).",
            tag: "insights",
            params: [D.textParam("chart", "The chart", D.enumeration(InsightChart.allCases.map(\.rawValue))),
                     D.query("year", "The year (this year by default)", D.int), D.query("branch", "A branch (id or slug); the organisation by default"),
                     D.query("format", "json (default) or csv", D.enumeration(["json", "csv"]))],
            response: D.ref("InsightChart"), auth: true, extra: [404: D.error("No such chart (`chart_not_found`)")])
        var content = D.json(D.ref("InsightChart"))
        content[.csv] = .content(OpenAPI.Content(schema: D.string))
        operation.responses[.status(code: 200)] = .response(description: "OK", content: content)
        return operation
    }

    /// A people counter's export as the body (CSV): imported whole, or refused with its bad lines.
    static var visitorImport: OpenAPI.Operation {
        var operation = D.op(
            "Import a people counter's export (CSV body) for a branch: daily visitors, two-way totals halved, counter resets and missing days corrected (each day counted or estimated); a day imported again replaces the gate's earlier count",
            tag: "insights", params: [D.query("branch", "The branch (id or slug)", required: true), D.query("readings", "interval (default) or cumulative"),
                                      D.query("two_way", "true when the gate counts both ways")],
            response: D.ref("VisitorImport"), auth: true, extra: [422: D.response("Nothing imported: the problems, each with its line", D.ref("VisitorImport"))])
        operation.requestBody = .request(OpenAPI.Request(content: [.csv: .content(OpenAPI.Content(schema: D.string))], required: true))
        return operation
    }

    static let snapshot = D.object([
        "day": D.date, "value": D.nullable(D.number), "shown": D.string, "numerator": D.nullableString, "denominator": D.nullableString,
        "census_day": D.nullableDate, "definition_nl": D.string, "definition_en": D.string, "taken_at": D.dateTime,
    ], required: ["day", "shown", "definition_nl", "definition_en", "taken_at"])

    static let schemas: D.Schemas = [
        "InsightMonths": D.object([
            "kind": D.string, "year": D.int, "branch": D.nullableString, "audience": D.nullableString,
            "months": D.array(D.object(["month": D.string, "count": D.nullableInt, "shown": D.string], required: ["month", "shown"])),
        ], required: ["kind", "year", "months"]),
        "InsightChart": D.object([
            "chart": D.enumeration(InsightChart.allCases.map(\.rawValue)), "year": D.int, "branch": D.nullableString.with(description: "The branch's slug; null for the organisation"),
            "title": D.string, "description": D.string.with(description: "What the chart shows, in words (the SVG's description)"),
            "dimension": D.enumeration(InsightChartData.Dimension.allCases.map(\.rawValue)).with(description: "What the labels are"),
            "keys": D.array(D.string).with(description: "Each label's key, the same in every language (\"01\", \"monday\", \"reading_literature\", a branch's slug)"),
            "labels": D.array(D.string),
            "series": D.array(D.object([
                "key": D.string.with(description: "A year, youth or adult, or measure_year (loans_2026)"), "name": D.string,
                "values": D.array(JSONSchema.one(of: [D.int.with(description: "A count of 5 or more"), D.enumeration(["<5"])]))
                    .with(description: "One value per label: the count, or \"<5\" for a count under 5"),
            ], required: ["key", "name", "values"])),
        ], required: ["chart", "year", "title", "description", "dimension", "keys", "labels", "series"]),
        "VisitorImport": D.object([
            "branch": D.string, "days": D.int, "visits": D.int, "estimated_days": D.array(D.date), "corrections": D.array(D.string),
            "problems": D.array(D.object(["line": D.nullableInt, "code": D.string, "message": D.string], required: ["code", "message"])),
            "imported": D.bool,
        ], required: ["branch", "days", "visits", "estimated_days", "corrections", "problems", "imported"]),
        "Indicator": D.object(["id": D.string, "name_nl": D.string, "name_en": D.string, "definition_nl": D.string, "definition_en": D.string,
                               "unit": D.string.with(description: "count or ratio")],
                              required: ["id", "name_nl", "name_en", "definition_nl", "definition_en", "unit"]),
        "MeasurementInput": D.object([
            "indicator": D.string, "branch": D.string.with(description: "Id or slug; leave out for the organisation"), "title": D.string,
            "start": D.date, "end": D.date, "target": D.number,
        ], required: ["indicator", "title", "start", "end"]),
        "Measurement": D.object([
            "id": D.int, "indicator": D.string, "branch": D.nullableString, "title": D.string, "start": D.date, "end": D.date,
            "target": D.nullable(D.number), "start_snapshot": D.nullable(snapshot), "end_snapshot": D.nullable(snapshot),
            "change": D.nullable(D.number), "relative_change": D.nullable(D.number), "target_met": D.nullableBool,
        ], required: ["id", "indicator", "title", "start", "end"]),
        "AnnualReportInput": D.object([
            "fte": D.number, "staff_persons": D.int, "volunteers": D.int, "income_euros": D.int, "expenses_euros": D.int, "notes": D.string,
        ]),
        "AnnualReport": D.object([
            "organisation": D.string, "scope": D.string, "year": D.int, "published": D.bool, "published_at": D.nullableDateTime,
            "computed_at": D.dateTime, "members": table, "collection": table, "activities": table, "branches": table, "services": table, "renewals": D.int,
            "entered": D.anyObject,
        ], required: ["organisation", "scope", "year", "published", "computed_at", "members", "collection", "activities", "branches", "services", "renewals", "entered"]),
    ]
}
