export const id = 401;
export const ids = [401];
export const modules = {

/***/ 3401:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runAws: () => (/* binding */ runAws)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);

async function runAws(_settings, _ctx) {
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .l('aws mode is not implemented yet.');
}


/***/ })

};
