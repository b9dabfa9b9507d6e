/** The Python extractors: Flask, Django (with Django REST framework) and FastAPI, over one shared parse. */
export { flaskExtractor } from './flask.js';
export { djangoExtractor } from './django.js';
export { fastapiExtractor } from './fastapi.js';
