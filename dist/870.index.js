export const id = 870;
export const ids = [870];
export const modules = {

/***/ 2870:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runChainguard: () => (/* binding */ runChainguard)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);

async function runChainguard(_settings, _ctx) {
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .l('chainguard mode is not implemented yet.');
}


/***/ })

};
