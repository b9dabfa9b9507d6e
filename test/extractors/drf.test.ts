/**
 * Django REST framework as real projects write it: `include((module, app_name), namespace=...)`,
 * routers with and without trailing slashes, `re_path` with an optional slash, what the
 * authentication and permission classes mean per method (required or optional, 401 or 403), a
 * custom APIException raised through a classmethod factory, an @action with its own permissions,
 * one function serving two methods, and a get_object override.
 */
import { describe, expect, it } from 'vitest';
import { inMemoryProject } from '../../extractors/project.js';
import { djangoExtractor } from '../../extractors/python/django.js';
import { authClassOf } from '../../extractors/score.js';
import type { EndpointFacts, ExtractionWarning } from '../../extractors/types.js';

function extract(files: Record<string, string>): { endpoints: Map<string, EndpointFacts>; warnings: ExtractionWarning[] } {
  const warnings: ExtractionWarning[] = [];
  const project = inMemoryProject('/app', (file) => files[file] ?? '', Object.keys(files));
  const endpoints = djangoExtractor.extract({ project, warn: (w) => warnings.push(w) });
  return { endpoints: new Map(endpoints.map((e) => [`${e.method} ${e.path}`, e])), warnings };
}

const statuses = (e: EndpointFacts | undefined) => [...new Set(e!.outcomes.map((o) => o.status))].sort();

const SETTINGS = (authentication: string) => `
ROOT_URLCONF = 'site_urls'
REST_FRAMEWORK = {
    'DEFAULT_AUTHENTICATION_CLASSES': ('${authentication}',),
    'DEFAULT_PERMISSION_CLASSES': ('rest_framework.permissions.IsAuthenticatedOrReadOnly',),
}
`;

const FILES = (authentication = 'rest_framework_simplejwt.authentication.JWTAuthentication'): Record<string, string> => ({
  'requirements.txt': 'Django==4.2\ndjangorestframework==3.14.0\n',
  'settings.py': SETTINGS(authentication),
  'site_urls.py': `
from django.urls import include, path
urlpatterns = [
    path('api/', include(('blog.urls', 'blog'), namespace='blog')),
]
`,
  'blog/__init__.py': '',
  'blog/urls.py': `
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter, SimpleRouter
from .views import PostViewSet, TagViewSet, LoginView, CurrentUserView, subscribe
router = DefaultRouter()
router.register(r'posts', PostViewSet, basename='post')
flat = SimpleRouter(trailing_slash=False)
flat.register(r'tags', TagViewSet, basename='tag')
urlpatterns = [
    path('', include(router.urls)),
    path('', include(flat.urls)),
    re_path(r'^login/?$', LoginView.as_view()),
    re_path(r'^user/?$', CurrentUserView.as_view()),
    path('subscribe/', subscribe),
]
`,
  'blog/errors.py': `
from rest_framework.exceptions import APIException
class PostError(APIException):
    status_code = 422
    @classmethod
    def already_liked(cls, slug):
        return cls(detail='already liked ' + slug)
`,
  'blog/views.py': `
from rest_framework import viewsets, status, mixins
from rest_framework.views import APIView
from rest_framework.generics import RetrieveAPIView
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from .errors import PostError

class PostViewSet(viewsets.ModelViewSet):
    lookup_field = 'slug'
    http_method_names = ['get', 'post', 'put', 'delete']

    @action(detail=True, methods=['post'], permission_classes=[IsAuthenticated])
    def like(self, request, slug=None):
        post = self.get_object()
        if post.liked_by(request.user):
            raise PostError.already_liked(slug)
        return Response(status=status.HTTP_201_CREATED)

class TagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = (AllowAny,)

class LoginView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    def post(self, request):
        if request.data.get('password') != 'x':
            raise AuthenticationFailed('bad credentials')
        return Response({'token': 't'})

class CurrentUserView(RetrieveAPIView):
    permission_classes = (IsAuthenticated,)
    def get_object(self):
        return self.request.user

@api_view(['GET', 'POST'])
@permission_classes([IsAuthenticated])
def subscribe(request):
    if request.method == 'POST':
        return Response(status=status.HTTP_201_CREATED)
    return Response({'subscribed': False})
`,
});

describe('Django REST framework', () => {
  it('follows includes of (module, app_name) tuples, keeps the slashes Django matches, and reads an optional slash as one route', () => {
    const { endpoints, warnings } = extract(FILES());
    expect(warnings).toEqual([]);
    expect([...endpoints.keys()].sort()).toEqual(
      [
        'GET /api/posts/',
        'POST /api/posts/',
        'GET /api/posts/{slug}/',
        'PUT /api/posts/{slug}/',
        'DELETE /api/posts/{slug}/',
        'POST /api/posts/{slug}/like/',
        'GET /api/tags',
        'POST /api/login',
        'GET /api/user',
        'GET /api/subscribe/',
        'POST /api/subscribe/',
      ].sort(),
    );
  });

  it('says per method whether credentials are required, and answers 401 where the authentication class challenges', () => {
    const { endpoints } = extract(FILES());
    const auth = (key: string) => authClassOf(endpoints.get(key)!);
    expect(auth('GET /api/posts/')).toBe('optional');
    expect(auth('POST /api/posts/')).toBe('required');
    expect(auth('GET /api/tags')).toBe('optional');
    expect(auth('POST /api/login')).toBe('none');
    expect(auth('GET /api/user')).toBe('required');
    expect(statuses(endpoints.get('GET /api/posts/'))).toEqual([200]);
    expect(statuses(endpoints.get('POST /api/posts/'))).toEqual([201, 400, 401]);
    expect(statuses(endpoints.get('DELETE /api/posts/{slug}/'))).toEqual([204, 401, 404]);
  });

  it('reads a session-only project as 403 for the same requests, and AuthenticationFailed without a challenge as 403', () => {
    const { endpoints } = extract(FILES('rest_framework.authentication.SessionAuthentication'));
    expect(statuses(endpoints.get('POST /api/posts/'))).toEqual([201, 400, 403]);
    expect(statuses(endpoints.get('POST /api/login'))).toEqual([200, 403]);
  });

  it("reads an @action's own permissions, a classmethod-built APIException, one function's branches per method, and a get_object override", () => {
    const { endpoints } = extract(FILES());
    // IsAuthenticated replaces the default IsAuthenticatedOrReadOnly; PostError.already_liked() is the class's 422.
    expect(statuses(endpoints.get('POST /api/posts/{slug}/like/'))).toEqual([201, 401, 404, 422]);
    expect(statuses(endpoints.get('GET /api/subscribe/'))).toEqual([200, 401]);
    expect(statuses(endpoints.get('POST /api/subscribe/'))).toEqual([201, 401]);
    // get_object returns the signed-in user: no lookup, no 404.
    expect(statuses(endpoints.get('GET /api/user'))).toEqual([200, 401]);
  });
});
