// node-fetch 2 falls back to whatwg-url's URL only where Node has none; Node >= 10 has it.
'use strict';
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
