import BiebCore
import BiebStore
import OpenAPIKit

/// Customer research in the OpenAPI document: surveys, waves, results and settings (`research`), moderation
/// (`moderateAnswers`), answering without an account, and a member joining or leaving the panel.
enum ResearchOpenAPI {
    typealias D = OpenAPIDocument
    typealias M = MemberAccountOpenAPI

    static func staff(_ summary: String, params: [OpenAPI.Parameter] = [], body: JSONSchema? = nil, status: Int = 200,
                      response: JSONSchema? = nil) -> OpenAPI.Operation {
        D.op(summary, tag: "research", params: params, body: body, status: status, response: response, auth: true,
             extra: [409: D.error("Refused: a published version is not edited (survey_version_frozen), a draft is open (survey_draft_open), the version is not published (survey_not_published), the short name is taken (survey_exists)")])
    }

    static let id = D.intParam("id", "Id")
    static let scope: [OpenAPI.Parameter] = [
        D.query("wave", "Only this round (id)", D.int), D.query("branch", "Only answers about this branch (slug or id)"),
        D.query("channel", "Only this channel", D.enumeration(ResearchChannel.self)), D.query("from", "From this day (yyyy-mm-dd)", D.date),
        D.query("through", "Through this day (yyyy-mm-dd)", D.date),
    ]
    static let surveyBody = D.object([
        "slug": D.string, "title_nl": D.string, "title_en": D.string, "anonymous": D.bool,
        "standard": D.array(D.enumeration(StandardQuestions.all.map(\.key))), "questions": D.array(D.ref("SurveyQuestion")),
    ])
    static let token = D.textParam("token", "The one-use key from the invitation's link")
    static let code = D.textParam("code", "The branch link's code")
    static let answers = D.object(["answers": D.object([:]), "link": D.bool], required: ["answers"])

    static func answering(_ summary: String, body: JSONSchema? = nil, response: JSONSchema? = nil) -> OpenAPI.Operation {
        D.operation(summary, tag: "research", params: [D.orgParam, summary.contains("branch") ? code : token], body: body, responses: [
            (response == nil ? 204 : 200): response.map { D.response("OK", $0) } ?? D.response("Answered"),
            400: D.error("An answer does not fit its question; `field` is q_<key>"),
            404: D.error("No such survey, or it is closed or the link no longer works (survey_closed)"),
            409: D.error("Answered already with this link (survey_answered), or on this device today (survey_answered_today)"),
            429: D.error("Too many answers from this client address (Retry-After)"),
        ])
    }

    static let paths: D.Paths = [
        "/api/v1/research/standard-questions": .init(get: staff("The library's standard questions, worded alike in every survey so waves, branches and years compare",
                                                                response: D.array(D.ref("SurveyQuestion")))),
        "/api/v1/research/surveys": .init(
            get: staff("Every survey with its versions, newest first", response: D.array(D.ref("Survey"))),
            post: staff("Make a survey: its first version is a draft of the standard questions chosen (by key) and its own questions; anonymous unless `anonymous` is false",
                        body: surveyBody, status: 201, response: D.ref("Survey"))),
        "/api/v1/research/surveys/{id}": .init(get: staff("A survey with its versions", params: [id], response: D.ref("Survey"))),
        "/api/v1/research/surveys/{id}/versions": .init(post: staff("A new draft version, copied from the latest (the way to change a published survey)",
                                                                    params: [id], status: 201, response: D.ref("Survey"))),
        "/api/v1/research/surveys/{id}/results": .init(get: staff(
            "The results: each question's distribution (counts under 5 as \"<5\"), the NPS with its parts and 95% interval, comparisons by wave, branch, activity kind and core function (groups under 5 answers without figures), answers per day, words of approved open answers",
            params: [id] + scope, response: D.ref("SurveyResults"))),
        "/api/v1/research/surveys/{id}/answers.csv": .init(get: {
            var operation = staff("The answers as CSV, a line per answer: anonymous answers carry no identifier; open text only once approved", params: [id] + scope)
            operation.responses[.status(code: 200)] = .response(OpenAPI.Response(description: "CSV", content: D.content(.csv, D.string)))
            return operation
        }()),
        "/api/v1/research/versions/{id}": .init(put: staff("Change a draft (a published version is never changed)", params: [id], body: surveyBody,
                                                           response: D.ref("SurveyVersion"))),
        "/api/v1/research/versions/{id}/publish": .init(post: staff(
            "Publish a draft whose questions will do (the version published before closes); from then on it is frozen", params: [id],
            response: D.ref("SurveyVersion"))),
        "/api/v1/research/waves": .init(
            get: staff("The rounds, newest first, with their response rates", params: [D.query("survey", "Only this survey's", D.int)],
                       response: D.array(D.ref("SurveyWave"))),
            post: staff("Start a round of a published version: a panel wave by quota (`size`, optional `seed`; invitations and their reminders queued at once), after an activity or a series (`activity_id` or `series_id`), or a branch's open link (`branch`)",
                        body: D.object(["version_id": D.int, "channel": D.enumeration(ResearchChannel.self), "name": D.string, "size": D.int, "seed": D.int,
                                        "activity_id": D.uuid, "series_id": D.int, "branch": D.string], required: ["version_id", "channel", "name"]),
                        status: 201, response: D.ref("SurveyWave"))),
        "/api/v1/research/waves/{id}": .init(get: staff("A round with its response rates per quota cell", params: [id], response: D.ref("SurveyWave"))),
        "/api/v1/research/waves/{id}/close": .init(post: staff("Close a round: its links stop working, reminders not sent are not sent", params: [id],
                                                               response: D.ref("SurveyWave"))),
        "/api/v1/research/open-answers": .init(get: staff(
            "Open answers of one moderation status (default pending), oldest first (`moderateAnswers`)",
            params: [D.query("status", "pending, approved or rejected", D.enumeration(ResearchAnswers.Moderation.self)), D.query("survey", "Only this survey's", D.int),
                     D.query("page", "Page (from 1)", D.int), D.query("per_page", "1–500, default 100", D.int)],
            response: D.array(D.ref("OpenAnswer")))),
        "/api/v1/research/open-answers/{id}": .init(put: staff("Approve (shown to researchers) or reject an open answer (`moderateAnswers`)", params: [id],
                                                               body: D.object(["approve": D.bool], required: ["approve"]), status: 204)),
        "/api/v1/research/settings": .init(
            get: staff("How long answers are kept, and the days to the reminder and until a link stops", response: D.ref("ResearchSettings")),
            put: staff("Set them: answers kept 3–120 months, the reminder 1–30 days after the invitation, a link working 1–90 days; fields left out stay",
                       body: D.object(["retention_months": D.int, "reminder_days": D.int, "open_days": D.int]), response: D.ref("ResearchSettings"))),
        "/api/v1/research/panel": .init(get: staff("The panel's size, per age band and branch (cells under 5 as \"<5\")", response: D.ref("ResearchPanel"))),
        "/api/v1/organisations/{org}/surveys/invitations/{token}": .init(
            get: answering("A survey by its personal link: the questions in both languages", response: D.ref("Questionnaire")),
            post: answering("Answer by the personal link, once: `answers` by question key (a number, an option's key, a list of keys, text); `link`: link the answers to the account, where the survey asks",
                            body: answers)),
        "/api/v1/organisations/{org}/surveys/links/{code}": .init(
            get: answering("A survey at a branch's open link", response: D.ref("Questionnaire")),
            post: answering("Answer at a branch's open link: one answer per device per day (the cookie bieb_enquete marks the device)", body: answers)),
        "/api/v1/my/accounts/{member}/panel": .init(
            get: M.op("Whether the member is in the library panel, with the profile it keeps and the words a choice is recorded with", params: [M.account],
                      response: D.ref("PanelState")),
            put: M.op("Join (true) or leave (false) the panel: the consent research_panel with its words; leaving removes the profile and open invitations; only the member themself (16 and over)",
                      params: [M.account], body: D.object(["member": D.bool], required: ["member"]), response: D.ref("PanelState"),
                      extra: [403: D.error("Not the member's own account (own_choice)")])),
    ]

    static let nps = D.nullable(D.object(["score": D.nullable(D.number), "low": D.nullable(D.number), "high": D.nullable(D.number),
                                          "promoters": D.string, "passives": D.string, "detractors": D.string, "n": D.int],
                                         required: ["promoters", "passives", "detractors", "n"]))

    static let schemas: D.Schemas = [
        "SurveyQuestion": D.object([
            "key": D.string, "kind": D.enumeration(QuestionKind.self), "nl": D.string, "en": D.string, "section": D.nullableString,
            "required": D.nullable(D.bool), "scale_maximum": D.nullableInt, "low_nl": D.nullableString, "low_en": D.nullableString,
            "high_nl": D.nullableString, "high_en": D.nullableString,
            "options": D.nullable(D.array(D.object(["key": D.string, "nl": D.string, "en": D.string], required: ["key", "nl", "en"]))),
        ], required: ["key", "kind", "nl", "en"]),
        "SurveyVersion": D.object([
            "id": D.int, "number": D.int, "status": D.enumeration(Surveys.Status.self), "title_nl": D.string, "title_en": D.string,
            "anonymous": D.bool, "questions": D.array(D.ref("SurveyQuestion")), "published_at": D.nullable(D.dateTime),
        ], required: ["id", "number", "status", "title_nl", "title_en", "anonymous", "questions"]),
        "Survey": D.object(["id": D.int, "slug": D.string, "versions": D.array(D.ref("SurveyVersion"))], required: ["id", "slug", "versions"]),
        "SurveyWave": D.object([
            "id": D.int, "survey_id": D.int, "version_id": D.int, "channel": D.enumeration(ResearchChannel.self), "name": D.string,
            "branch": D.nullableString, "activity_id": D.nullable(D.uuid), "series_id": D.nullableInt, "link": D.nullableString, "size": D.int,
            "reminder_days": D.int, "open_days": D.int, "status": D.enumeration(ResearchFieldwork.WaveStatus.self), "created_at": D.dateTime,
            "invited": D.int, "answered": D.int,
            "cells": D.array(D.object(["cell": D.string, "age_band": D.nullableString, "branch": D.nullableString, "invited": D.int,
                                       "answered": D.string, "share": D.nullable(D.number)], required: ["cell", "invited", "answered"])),
        ], required: ["id", "survey_id", "version_id", "channel", "name", "size", "reminder_days", "open_days", "status", "created_at", "invited",
                      "answered", "cells"]),
        "SurveyResults": D.object([
            "survey_id": D.int, "answers": D.int,
            "questions": D.array(D.object(["key": D.string, "kind": D.enumeration(QuestionKind.self), "nl": D.string, "en": D.string, "answered": D.int,
                                           "counts": D.array(D.object(["value": D.string, "count": D.string], required: ["value", "count"])),
                                           "mean": D.nullable(D.number), "nps": nps], required: ["key", "kind", "nl", "en", "answered", "counts"])),
            "groups": D.object([:]),
            "per_day": D.array(D.object(["day": D.string, "answers": D.string], required: ["day", "answers"])),
            "words": D.array(D.object(["word": D.string, "answers": D.string], required: ["word", "answers"])), "approved_texts": D.int,
        ], required: ["survey_id", "answers", "questions", "groups", "per_day", "words", "approved_texts"]),
        "OpenAnswer": D.object(["id": D.int, "survey_id": D.int, "question_key": D.string, "text": D.string,
                                "status": D.enumeration(ResearchAnswers.Moderation.self), "answered_on": D.date],
                               required: ["id", "survey_id", "question_key", "text", "status", "answered_on"]),
        "ResearchSettings": D.object(["retention_months": D.int, "reminder_days": D.int, "open_days": D.int],
                                     required: ["retention_months", "reminder_days", "open_days"]),
        "ResearchPanel": D.object(["members": D.int, "cells": D.array(D.object(["age_band": D.nullableString, "branch": D.nullableString,
                                                                              "members": D.string], required: ["members"]))],
                                  required: ["members", "cells"]),
        "Questionnaire": D.object(["title_nl": D.string, "title_en": D.string, "anonymous": D.bool, "may_link": D.bool,
                                   "questions": D.array(D.ref("SurveyQuestion"))], required: ["title_nl", "title_en", "anonymous", "may_link", "questions"]),
        "PanelState": D.object(["member": D.bool, "joined_on": D.nullable(D.date), "age_band": D.nullableString, "branch": D.nullableString,
                                "area": D.nullableString, "words": D.string], required: ["member", "words"]),
    ]
}
