import assert from "node:assert/strict";
import { route } from "../../../controller/dashboard/routes.js";

describe("dashboard: routes", () => {
  const cases: [string, string, unknown][] = [
    ["GET", "/", { kind: "page" }],
    ["GET", "/app.js", { kind: "asset", file: "app.js" }],
    ["GET", "/app.css?v=1", { kind: "asset", file: "app.css" }],
    ["GET", "/api/config", { kind: "config" }],
    ["GET", "/api/stream", { kind: "stream" }],
    ["GET", "/api/rollouts", { kind: "list" }],
    ["GET", "/api/rollouts/shop/web", { kind: "detail", namespace: "shop", name: "web" }],
    [
      "POST",
      "/api/rollouts/shop/web/promote-full",
      { kind: "action", namespace: "shop", name: "web", verb: "promote-full" },
    ],
    [
      "POST",
      "/api/rollouts/shop/web/abort",
      { kind: "action", namespace: "shop", name: "web", verb: "abort" },
    ],
    ["POST", "/api/rollouts/shop/web/undo", { kind: "undo", namespace: "shop", name: "web" }],
    [
      "GET",
      "/api/rollouts/shop/web/abort",
      { error: 405, message: "GET is not allowed on /api/rollouts/shop/web/abort" },
    ],
    [
      "POST",
      "/api/rollouts/shop/web",
      { error: 405, message: "POST is not allowed on /api/rollouts/shop/web" },
    ],
    [
      "POST",
      "/api/rollouts/shop/web/delete",
      {
        error: 404,
        message: 'unknown action "delete"; one of promote, promote-full, abort, retry, pause, resume, undo',
      },
    ],
    [
      "GET",
      "/api/rollouts/Shop/web",
      { error: 400, message: '"Shop/web" is not a namespace and a Rollout name' },
    ],
    [
      "GET",
      "/api/rollouts/shop/..%2Fsecrets",
      { error: 400, message: '"shop/../secrets" is not a namespace and a Rollout name' },
    ],
    ["GET", "/etc/passwd", { error: 404, message: "no page at /etc/passwd" }],
  ];
  for (const [method, url, want] of cases)
    it(`${method} ${url}`, () => assert.deepEqual(route(method, url), want));
});
