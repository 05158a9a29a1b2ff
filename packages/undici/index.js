// @actions/http-client imports ProxyAgent for getAgentDispatcher(), which serves fetch() through a
// proxy. This action sends every request through HttpClient's own agents (node:http/https and
// tunnel), so nothing constructs a ProxyAgent; if something ever did, it must fail loudly.
'use strict';
class ProxyAgent {
  constructor() {
    throw new Error(
      'undici is not bundled with oidc-deploy-action (HttpClient.getAgentDispatcher is not supported)',
    );
  }
}
module.exports = { ProxyAgent };
