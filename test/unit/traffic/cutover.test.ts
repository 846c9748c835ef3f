import assert from "node:assert/strict";
import { cutover, type Answer } from "../../traffic/request-loop.js";

const a = (sentAt: number, version: string, doneAt = sentAt + 2, status = 200): Answer => ({
  sentAt,
  doneAt,
  status,
  version,
});
const canary = (v: string): boolean => v === "v2";

describe("cutover: where the canary's share of a request loop ended", () => {
  const table: { name: string; answers: Answer[]; want: ReturnType<typeof cutover> }[] = [
    {
      name: "mixed, then stable only: the run starts at the first stable request after the last canary one",
      answers: [a(1, "v1"), a(2, "v2", 9), a(3, "v1"), a(4, "v1"), a(5, "v1")],
      want: { cutoverAt: 3, afterCutover: 3, lastCanaryAt: 9, canaryAnswers: 1 },
    },
    {
      name: "answers out of order are read by send time",
      answers: [a(5, "v1"), a(3, "v1"), a(2, "v2"), a(1, "v2"), a(4, "v1")],
      want: { cutoverAt: 3, afterCutover: 3, lastCanaryAt: 4, canaryAnswers: 2 },
    },
    {
      name: "the last canary answer to arrive is the latest doneAt, not the latest sent",
      answers: [a(1, "v2", 20), a(2, "v2", 5), a(3, "v1")],
      want: { cutoverAt: 3, afterCutover: 1, lastCanaryAt: 20, canaryAnswers: 2 },
    },
    {
      name: "the canary still serving at the end: no cutover",
      answers: [a(1, "v1"), a(2, "v2")],
      want: { cutoverAt: undefined, afterCutover: 0, lastCanaryAt: 4, canaryAnswers: 1 },
    },
    {
      name: "requests without an answer say nothing about who serves",
      answers: [a(1, "v2"), a(2, "", 3, 0), a(3, "v1")],
      want: { cutoverAt: 3, afterCutover: 1, lastCanaryAt: 3, canaryAnswers: 1 },
    },
    {
      name: "a canary that served nothing: the whole loop is the run",
      answers: [a(1, "v1"), a(2, "v1")],
      want: { cutoverAt: 1, afterCutover: 2, lastCanaryAt: undefined, canaryAnswers: 0 },
    },
    {
      name: "500s from the canary are its answers too",
      answers: [a(1, "v2", 3, 500), a(2, "v1")],
      want: { cutoverAt: 2, afterCutover: 1, lastCanaryAt: 3, canaryAnswers: 1 },
    },
  ];
  for (const t of table)
    it(t.name, () => {
      assert.deepEqual(cutover(t.answers, canary), t.want);
    });
});
