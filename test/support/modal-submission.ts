/** The view_submission Slack sends when someone submits the deploy modal with these picks. */
export function modalSubmission(
  values: Record<string, string>,
  triggerId = `${Date.now()}.${Math.random()}`,
) {
  const selected = (value: string) => ({ value: { type: "static_select", selected_option: { value } } });
  return {
    type: "view_submission",
    team: { id: "T1", domain: "test" },
    user: { id: "UDEV", name: "dev", team_id: "T1" },
    api_app_id: "A1",
    token: "deprecated-verification-token",
    trigger_id: triggerId,
    view: {
      id: "V1",
      type: "modal",
      callback_id: "deploy_modal",
      private_metadata: JSON.stringify({ channel: "CBETA" }),
      hash: "h1",
      state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, selected(v)])) },
    },
  };
}
