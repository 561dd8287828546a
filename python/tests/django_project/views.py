from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Index")


async def async_(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Asynchronous")


def unauthorized(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Unauthorized", status=HTTPStatus.UNAUTHORIZED)


def delete_decision(request: HttpRequest) -> HttpResponse:
    del request.cors_decision  # type: ignore[attr-defined]
    return HttpResponse()


@csrf_exempt
def items(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse("plain options", headers={"Allow": "GET, PUT, OPTIONS"})
    return JsonResponse([{"id": 1, "method": request.method}], safe=False)


@csrf_exempt
async def async_items(request: HttpRequest) -> HttpResponse:
    return JsonResponse([{"id": 2, "method": request.method}], safe=False)


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view failed")


async def async_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the async view failed")


def legacy(request: HttpRequest) -> HttpResponse:
    response = JsonResponse([], safe=False)
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept-Encoding"
    return response
