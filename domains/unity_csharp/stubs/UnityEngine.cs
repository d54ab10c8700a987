// Hand-written compile stubs of the UnityEngine API surface that MonoBehaviour scripts use (C# 7.2,
// for Mono's mcs). Signatures follow Unity's scripting reference; bodies are placeholders that are
// never run. A member missing here is a false compile error: extend this file, never the data.
using System;
using System.Collections;

namespace UnityEngine
{
    public class Object
    {
        public string name { get; set; }
        public static void Destroy(Object obj) { }
        public static void Destroy(Object obj, float t) { }
        public static void DontDestroyOnLoad(Object target) { }
        public static T Instantiate<T>(T original) where T : Object { return original; }
        public static T Instantiate<T>(T original, Vector3 position, Quaternion rotation) where T : Object { return original; }
        public static T Instantiate<T>(T original, Transform parent) where T : Object { return original; }
        public static T FindObjectOfType<T>() where T : Object { return null; }
        public int GetInstanceID() { return 0; }
        public static implicit operator bool(Object exists) { return exists != null; }
    }

    public class Component : Object
    {
        public Transform transform { get { return null; } }
        public GameObject gameObject { get { return null; } }
        public string tag { get; set; }
        public T GetComponent<T>() { return default(T); }
        public Component GetComponent(Type type) { return null; }
        public T GetComponentInChildren<T>() { return default(T); }
        public T GetComponentInParent<T>() { return default(T); }
        public T[] GetComponentsInChildren<T>() { return null; }
        public bool TryGetComponent<T>(out T component) { component = default(T); return false; }
        public bool CompareTag(string tag) { return false; }
        public void SendMessage(string methodName) { }
        public void SendMessage(string methodName, object value) { }
        public void SendMessage(string methodName, object value, SendMessageOptions options) { }
    }

    public class Behaviour : Component
    {
        public bool enabled { get; set; }
        public bool isActiveAndEnabled { get { return false; } }
    }

    public class MonoBehaviour : Behaviour
    {
        public Coroutine StartCoroutine(IEnumerator routine) { return null; }
        public void StopCoroutine(Coroutine routine) { }
        public void StopCoroutine(IEnumerator routine) { }
        public void StopAllCoroutines() { }
        public void Invoke(string methodName, float time) { }
        public void InvokeRepeating(string methodName, float time, float repeatRate) { }
        public void CancelInvoke() { }
        public void CancelInvoke(string methodName) { }
        public bool IsInvoking(string methodName) { return false; }
        public static void print(object message) { }
    }

    public sealed class GameObject : Object
    {
        public GameObject() { }
        public GameObject(string name) { }
        public Transform transform { get { return null; } }
        public GameObject gameObject { get { return this; } }
        public bool activeSelf { get { return false; } }
        public bool activeInHierarchy { get { return false; } }
        public string tag { get; set; }
        public int layer { get; set; }
        public void SetActive(bool value) { }
        public bool CompareTag(string tag) { return false; }
        public T GetComponent<T>() { return default(T); }
        public T GetComponentInChildren<T>() { return default(T); }
        public T AddComponent<T>() where T : Component { return null; }
        public bool TryGetComponent<T>(out T component) { component = default(T); return false; }
        public void SendMessage(string methodName) { }
        public void SendMessage(string methodName, object value) { }
        public void SendMessage(string methodName, object value, SendMessageOptions options) { }
        public static GameObject Find(string name) { return null; }
        public static GameObject FindWithTag(string tag) { return null; }
        public static GameObject FindGameObjectWithTag(string tag) { return null; }
        public static GameObject[] FindGameObjectsWithTag(string tag) { return null; }
    }

    public class Transform : Component, IEnumerable
    {
        public Vector3 position { get; set; }
        public Vector3 localPosition { get; set; }
        public Quaternion rotation { get; set; }
        public Quaternion localRotation { get; set; }
        public Vector3 eulerAngles { get; set; }
        public Vector3 localEulerAngles { get; set; }
        public Vector3 localScale { get; set; }
        public Vector3 lossyScale { get { return default(Vector3); } }
        public Vector3 forward { get; set; }
        public Vector3 right { get; set; }
        public Vector3 up { get; set; }
        public Transform parent { get; set; }
        public int childCount { get { return 0; } }
        public Transform GetChild(int index) { return null; }
        public void SetParent(Transform parent) { }
        public void SetParent(Transform parent, bool worldPositionStays) { }
        public void Translate(Vector3 translation) { }
        public void Translate(Vector3 translation, Space relativeTo) { }
        public void Translate(float x, float y, float z) { }
        public void Rotate(Vector3 eulers) { }
        public void Rotate(Vector3 eulers, Space relativeTo) { }
        public void Rotate(float xAngle, float yAngle, float zAngle) { }
        public void Rotate(Vector3 axis, float angle) { }
        public void RotateAround(Vector3 point, Vector3 axis, float angle) { }
        public void LookAt(Transform target) { }
        public void LookAt(Vector3 worldPosition) { }
        public Vector3 TransformDirection(Vector3 direction) { return direction; }
        public Vector3 TransformPoint(Vector3 position) { return position; }
        public Vector3 InverseTransformPoint(Vector3 position) { return position; }
        public IEnumerator GetEnumerator() { return null; }
    }

    public sealed class RectTransform : Transform
    {
        public Vector2 anchoredPosition { get; set; }
        public Vector2 sizeDelta { get; set; }
        public Vector2 anchorMin { get; set; }
        public Vector2 anchorMax { get; set; }
        public Vector2 pivot { get; set; }
    }

    public enum Space { World, Self }
    public enum ForceMode { Force, Acceleration, Impulse, VelocityChange }
    public enum ForceMode2D { Force, Impulse }
    public enum RigidbodyType2D { Dynamic, Kinematic, Static }
    public enum KeyCode { None, Space, Return, Escape, Tab, LeftShift, E, F, Q, R, W, A, S, D, UpArrow, DownArrow, LeftArrow, RightArrow, Alpha1, Alpha2, Mouse0, Mouse1 }
    public enum CursorLockMode { None, Locked, Confined }
    public enum SendMessageOptions { RequireReceiver, DontRequireReceiver }

    public struct Vector2
    {
        public float x, y;
        public Vector2(float x, float y) { this.x = x; this.y = y; }
        public static Vector2 zero { get { return default(Vector2); } }
        public static Vector2 one { get { return default(Vector2); } }
        public static Vector2 up { get { return default(Vector2); } }
        public static Vector2 down { get { return default(Vector2); } }
        public static Vector2 left { get { return default(Vector2); } }
        public static Vector2 right { get { return default(Vector2); } }
        public float magnitude { get { return 0f; } }
        public float sqrMagnitude { get { return 0f; } }
        public Vector2 normalized { get { return this; } }
        public static float Distance(Vector2 a, Vector2 b) { return 0f; }
        public static Vector2 Lerp(Vector2 a, Vector2 b, float t) { return a; }
        public static Vector2 MoveTowards(Vector2 current, Vector2 target, float maxDistanceDelta) { return current; }
        public static Vector2 operator +(Vector2 a, Vector2 b) { return a; }
        public static Vector2 operator -(Vector2 a, Vector2 b) { return a; }
        public static Vector2 operator -(Vector2 a) { return a; }
        public static Vector2 operator *(Vector2 a, float d) { return a; }
        public static Vector2 operator *(float d, Vector2 a) { return a; }
        public static Vector2 operator /(Vector2 a, float d) { return a; }
        public static implicit operator Vector3(Vector2 v) { return default(Vector3); }
        public static implicit operator Vector2(Vector3 v) { return default(Vector2); }
    }

    public struct Vector3
    {
        public float x, y, z;
        public Vector3(float x, float y, float z) { this.x = x; this.y = y; this.z = z; }
        public Vector3(float x, float y) { this.x = x; this.y = y; this.z = 0f; }
        public static Vector3 zero { get { return default(Vector3); } }
        public static Vector3 one { get { return default(Vector3); } }
        public static Vector3 up { get { return default(Vector3); } }
        public static Vector3 down { get { return default(Vector3); } }
        public static Vector3 left { get { return default(Vector3); } }
        public static Vector3 right { get { return default(Vector3); } }
        public static Vector3 forward { get { return default(Vector3); } }
        public static Vector3 back { get { return default(Vector3); } }
        public float magnitude { get { return 0f; } }
        public float sqrMagnitude { get { return 0f; } }
        public Vector3 normalized { get { return this; } }
        public static float Distance(Vector3 a, Vector3 b) { return 0f; }
        public static float Dot(Vector3 a, Vector3 b) { return 0f; }
        public static Vector3 Cross(Vector3 a, Vector3 b) { return a; }
        public static Vector3 Lerp(Vector3 a, Vector3 b, float t) { return a; }
        public static Vector3 Slerp(Vector3 a, Vector3 b, float t) { return a; }
        public static Vector3 MoveTowards(Vector3 current, Vector3 target, float maxDistanceDelta) { return current; }
        public static Vector3 SmoothDamp(Vector3 current, Vector3 target, ref Vector3 currentVelocity, float smoothTime) { return current; }
        public static Vector3 ClampMagnitude(Vector3 vector, float maxLength) { return vector; }
        public static Vector3 Scale(Vector3 a, Vector3 b) { return a; }
        public static Vector3 operator +(Vector3 a, Vector3 b) { return a; }
        public static Vector3 operator -(Vector3 a, Vector3 b) { return a; }
        public static Vector3 operator -(Vector3 a) { return a; }
        public static Vector3 operator *(Vector3 a, float d) { return a; }
        public static Vector3 operator *(float d, Vector3 a) { return a; }
        public static Vector3 operator /(Vector3 a, float d) { return a; }
        public static bool operator ==(Vector3 a, Vector3 b) { return true; }
        public static bool operator !=(Vector3 a, Vector3 b) { return false; }
        public override bool Equals(object other) { return false; }
        public override int GetHashCode() { return 0; }
    }

    public struct Quaternion
    {
        public float x, y, z, w;
        public Quaternion(float x, float y, float z, float w) { this.x = x; this.y = y; this.z = z; this.w = w; }
        public static Quaternion identity { get { return default(Quaternion); } }
        public Vector3 eulerAngles { get { return default(Vector3); } set { } }
        public static Quaternion Euler(float x, float y, float z) { return default(Quaternion); }
        public static Quaternion Euler(Vector3 euler) { return default(Quaternion); }
        public static Quaternion AngleAxis(float angle, Vector3 axis) { return default(Quaternion); }
        public static Quaternion LookRotation(Vector3 forward) { return default(Quaternion); }
        public static Quaternion Lerp(Quaternion a, Quaternion b, float t) { return a; }
        public static Quaternion Slerp(Quaternion a, Quaternion b, float t) { return a; }
        public static Quaternion RotateTowards(Quaternion from, Quaternion to, float maxDegreesDelta) { return from; }
        public static Quaternion operator *(Quaternion a, Quaternion b) { return a; }
        public static Vector3 operator *(Quaternion r, Vector3 p) { return p; }
    }

    public struct Color
    {
        public float r, g, b, a;
        public Color(float r, float g, float b) { this.r = r; this.g = g; this.b = b; this.a = 1f; }
        public Color(float r, float g, float b, float a) { this.r = r; this.g = g; this.b = b; this.a = a; }
        public static Color white { get { return default(Color); } }
        public static Color black { get { return default(Color); } }
        public static Color red { get { return default(Color); } }
        public static Color green { get { return default(Color); } }
        public static Color blue { get { return default(Color); } }
        public static Color yellow { get { return default(Color); } }
        public static Color clear { get { return default(Color); } }
        public static Color Lerp(Color a, Color b, float t) { return a; }
    }

    public static class Mathf
    {
        public const float PI = 3.14159274f;
        public const float Infinity = float.PositiveInfinity;
        public const float Deg2Rad = 0.0174532924f;
        public const float Rad2Deg = 57.29578f;
        public static float Sin(float f) { return 0f; }
        public static float Cos(float f) { return 0f; }
        public static float Abs(float f) { return f; }
        public static int Abs(int value) { return value; }
        public static float Sqrt(float f) { return f; }
        public static float Pow(float f, float p) { return f; }
        public static float Min(float a, float b) { return a; }
        public static int Min(int a, int b) { return a; }
        public static float Max(float a, float b) { return a; }
        public static int Max(int a, int b) { return a; }
        public static float Clamp(float value, float min, float max) { return value; }
        public static int Clamp(int value, int min, int max) { return value; }
        public static float Clamp01(float value) { return value; }
        public static float Lerp(float a, float b, float t) { return a; }
        public static float MoveTowards(float current, float target, float maxDelta) { return current; }
        public static float PingPong(float t, float length) { return t; }
        public static float Repeat(float t, float length) { return t; }
        public static float SmoothDamp(float current, float target, ref float currentVelocity, float smoothTime) { return current; }
        public static float Sign(float f) { return f; }
        public static int RoundToInt(float f) { return 0; }
        public static int FloorToInt(float f) { return 0; }
        public static int CeilToInt(float f) { return 0; }
        public static bool Approximately(float a, float b) { return false; }
    }

    public static class Time
    {
        public static float time { get { return 0f; } }
        public static float deltaTime { get { return 0f; } }
        public static float fixedDeltaTime { get; set; }
        public static float unscaledDeltaTime { get { return 0f; } }
        public static float timeScale { get; set; }
        public static int frameCount { get { return 0; } }
    }

    public static class Input
    {
        public static float GetAxis(string axisName) { return 0f; }
        public static float GetAxisRaw(string axisName) { return 0f; }
        public static bool GetButton(string buttonName) { return false; }
        public static bool GetButtonDown(string buttonName) { return false; }
        public static bool GetButtonUp(string buttonName) { return false; }
        public static bool GetKey(KeyCode key) { return false; }
        public static bool GetKeyDown(KeyCode key) { return false; }
        public static bool GetKeyUp(KeyCode key) { return false; }
        public static bool GetMouseButton(int button) { return false; }
        public static bool GetMouseButtonDown(int button) { return false; }
        public static Vector3 mousePosition { get { return default(Vector3); } }
    }

    public static class Debug
    {
        public static void Log(object message) { }
        public static void Log(object message, Object context) { }
        public static void LogWarning(object message) { }
        public static void LogError(object message) { }
        public static void DrawRay(Vector3 start, Vector3 dir) { }
        public static void DrawLine(Vector3 start, Vector3 end) { }
    }

    public static class Random
    {
        public static float value { get { return 0f; } }
        public static float Range(float minInclusive, float maxInclusive) { return minInclusive; }
        public static int Range(int minInclusive, int maxExclusive) { return minInclusive; }
        public static Vector3 insideUnitSphere { get { return default(Vector3); } }
        public static Vector2 insideUnitCircle { get { return default(Vector2); } }
        public static Quaternion rotation { get { return default(Quaternion); } }
    }

    public static class Cursor
    {
        public static CursorLockMode lockState { get; set; }
        public static bool visible { get; set; }
    }

    public static class PlayerPrefs
    {
        public static int GetInt(string key, int defaultValue) { return defaultValue; }
        public static void SetInt(string key, int value) { }
        public static float GetFloat(string key, float defaultValue) { return defaultValue; }
        public static void SetFloat(string key, float value) { }
        public static void Save() { }
    }

    public class YieldInstruction { }
    public sealed class Coroutine : YieldInstruction { }
    public sealed class WaitForSeconds : YieldInstruction { public WaitForSeconds(float seconds) { } }
    public sealed class WaitForFixedUpdate : YieldInstruction { }
    public sealed class WaitForEndOfFrame : YieldInstruction { }

    public class Collider : Component
    {
        public bool isTrigger { get; set; }
        public bool enabled { get; set; }
        public Rigidbody attachedRigidbody { get { return null; } }
    }
    public class BoxCollider : Collider { public Vector3 size { get; set; } public Vector3 center { get; set; } }
    public class SphereCollider : Collider { public float radius { get; set; } }
    public class CapsuleCollider : Collider { public float radius { get; set; } public float height { get; set; } }
    public class MeshCollider : Collider { }
    public class CharacterController : Collider
    {
        public bool isGrounded { get { return false; } }
        public Vector3 velocity { get { return default(Vector3); } }
        public CollisionFlags Move(Vector3 motion) { return CollisionFlags.None; }
        public bool SimpleMove(Vector3 speed) { return false; }
    }
    public enum CollisionFlags { None, Sides, Above, Below }

    public class Collider2D : Behaviour { public bool isTrigger { get; set; } public Rigidbody2D attachedRigidbody { get { return null; } } }
    public class BoxCollider2D : Collider2D { public Vector2 size { get; set; } }
    public class CircleCollider2D : Collider2D { public float radius { get; set; } }

    public struct ContactPoint { public Vector3 point; public Vector3 normal; }
    public struct ContactPoint2D { public Vector2 point; public Vector2 normal; }

    public class Collision
    {
        public GameObject gameObject { get { return null; } }
        public Transform transform { get { return null; } }
        public Collider collider { get { return null; } }
        public Rigidbody rigidbody { get { return null; } }
        public Vector3 relativeVelocity { get { return default(Vector3); } }
        public ContactPoint[] contacts { get { return null; } }
        public ContactPoint GetContact(int index) { return default(ContactPoint); }
    }

    public class Collision2D
    {
        public GameObject gameObject { get { return null; } }
        public Transform transform { get { return null; } }
        public Collider2D collider { get { return null; } }
        public Rigidbody2D rigidbody { get { return null; } }
        public Vector2 relativeVelocity { get { return default(Vector2); } }
        public ContactPoint2D GetContact(int index) { return default(ContactPoint2D); }
    }

    public sealed class Rigidbody : Component
    {
        public Vector3 velocity { get; set; }
        public Vector3 angularVelocity { get; set; }
        public float mass { get; set; }
        public float drag { get; set; }
        public bool useGravity { get; set; }
        public bool isKinematic { get; set; }
        public Vector3 position { get; set; }
        public Quaternion rotation { get; set; }
        public void AddForce(Vector3 force) { }
        public void AddForce(Vector3 force, ForceMode mode) { }
        public void AddTorque(Vector3 torque) { }
        public void AddTorque(Vector3 torque, ForceMode mode) { }
        public void AddExplosionForce(float explosionForce, Vector3 explosionPosition, float explosionRadius) { }
        public void MovePosition(Vector3 position) { }
        public void MoveRotation(Quaternion rot) { }
        public void Sleep() { }
        public void WakeUp() { }
    }

    public sealed class Rigidbody2D : Component
    {
        public Vector2 velocity { get; set; }
        public float angularVelocity { get; set; }
        public float mass { get; set; }
        public float gravityScale { get; set; }
        public RigidbodyType2D bodyType { get; set; }
        public Vector2 position { get; set; }
        public void AddForce(Vector2 force) { }
        public void AddForce(Vector2 force, ForceMode2D mode) { }
        public void AddTorque(float torque) { }
        public void MovePosition(Vector2 position) { }
    }

    public struct Ray
    {
        public Ray(Vector3 origin, Vector3 direction) { this.origin = origin; this.direction = direction; }
        public Vector3 origin;
        public Vector3 direction;
    }

    public struct RaycastHit
    {
        public Vector3 point { get { return default(Vector3); } }
        public Vector3 normal { get { return default(Vector3); } }
        public float distance { get { return 0f; } }
        public Collider collider { get { return null; } }
        public Transform transform { get { return null; } }
        public Rigidbody rigidbody { get { return null; } }
    }

    public struct LayerMask
    {
        public int value { get; set; }
        public static int GetMask(params string[] layerNames) { return 0; }
        public static implicit operator int(LayerMask mask) { return mask.value; }
    }

    public static class Physics
    {
        public static Vector3 gravity { get; set; }
        public static bool Raycast(Vector3 origin, Vector3 direction) { return false; }
        public static bool Raycast(Vector3 origin, Vector3 direction, float maxDistance) { return false; }
        public static bool Raycast(Vector3 origin, Vector3 direction, out RaycastHit hitInfo) { hitInfo = default(RaycastHit); return false; }
        public static bool Raycast(Vector3 origin, Vector3 direction, out RaycastHit hitInfo, float maxDistance) { hitInfo = default(RaycastHit); return false; }
        public static bool Raycast(Vector3 origin, Vector3 direction, out RaycastHit hitInfo, float maxDistance, int layerMask) { hitInfo = default(RaycastHit); return false; }
        public static bool Raycast(Ray ray, out RaycastHit hitInfo, float maxDistance) { hitInfo = default(RaycastHit); return false; }
        public static Collider[] OverlapSphere(Vector3 position, float radius) { return null; }
        public static bool CheckSphere(Vector3 position, float radius) { return false; }
    }

    public struct RaycastHit2D
    {
        public Collider2D collider { get { return null; } }
        public Vector2 point { get { return default(Vector2); } }
        public static implicit operator bool(RaycastHit2D hit) { return false; }
    }

    public static class Physics2D
    {
        public static RaycastHit2D Raycast(Vector2 origin, Vector2 direction, float distance) { return default(RaycastHit2D); }
        public static Collider2D OverlapCircle(Vector2 point, float radius) { return null; }
    }

    public sealed class AudioClip : Object { public float length { get { return 0f; } } }

    public sealed class AudioSource : Behaviour
    {
        public AudioClip clip { get; set; }
        public float volume { get; set; }
        public float pitch { get; set; }
        public bool loop { get; set; }
        public bool isPlaying { get { return false; } }
        public bool playOnAwake { get; set; }
        public void Play() { }
        public void Stop() { }
        public void Pause() { }
        public void PlayOneShot(AudioClip clip) { }
        public void PlayOneShot(AudioClip clip, float volumeScale) { }
        public static void PlayClipAtPoint(AudioClip clip, Vector3 position) { }
    }

    public sealed class Animator : Behaviour
    {
        public float speed { get; set; }
        public void SetTrigger(string name) { }
        public void ResetTrigger(string name) { }
        public void SetBool(string name, bool value) { }
        public bool GetBool(string name) { return false; }
        public void SetFloat(string name, float value) { }
        public void SetInteger(string name, int value) { }
        public void Play(string stateName) { }
    }

    public class Renderer : Component
    {
        public bool enabled { get; set; }
        public Material material { get; set; }
    }
    public class MeshRenderer : Renderer { }
    public sealed class SpriteRenderer : Renderer { public Color color { get; set; } public bool flipX { get; set; } public Sprite sprite { get; set; } }
    public sealed class Sprite : Object { }
    public class Material : Object { public Color color { get; set; } }

    public sealed class Light : Behaviour
    {
        public float intensity { get; set; }
        public Color color { get; set; }
        public float range { get; set; }
    }

    public sealed class Camera : Behaviour
    {
        public static Camera main { get { return null; } }
        public float fieldOfView { get; set; }
        public float orthographicSize { get; set; }
        public Ray ScreenPointToRay(Vector3 pos) { return default(Ray); }
        public Vector3 ScreenToWorldPoint(Vector3 position) { return position; }
        public Vector3 WorldToScreenPoint(Vector3 position) { return position; }
    }

    public sealed class ParticleSystem : Component
    {
        public bool isPlaying { get { return false; } }
        public void Play() { }
        public void Stop() { }
        public void Emit(int count) { }
    }

    public sealed class CanvasGroup : Behaviour
    {
        public float alpha { get; set; }
        public bool interactable { get; set; }
        public bool blocksRaycasts { get; set; }
    }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class SerializeField : Attribute { }
    [AttributeUsage(AttributeTargets.Field)]
    public class HeaderAttribute : Attribute { public HeaderAttribute(string header) { } }
    [AttributeUsage(AttributeTargets.Field)]
    public class TooltipAttribute : Attribute { public TooltipAttribute(string tooltip) { } }
    [AttributeUsage(AttributeTargets.Field)]
    public class RangeAttribute : Attribute { public RangeAttribute(float min, float max) { } }
    [AttributeUsage(AttributeTargets.Field)]
    public class MinAttribute : Attribute { public MinAttribute(float min) { } }
    [AttributeUsage(AttributeTargets.Field)]
    public class SpaceAttribute : Attribute { public SpaceAttribute() { } public SpaceAttribute(float height) { } }
    [AttributeUsage(AttributeTargets.Field)]
    public class HideInInspector : Attribute { }
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute
    {
        public RequireComponent(Type requiredComponent) { }
        public RequireComponent(Type requiredComponent, Type requiredComponent2) { }
    }
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class DisallowMultipleComponent : Attribute { }
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class AddComponentMenu : Attribute { public AddComponentMenu(string menuName) { } }
}

namespace UnityEngine.Events
{
    public delegate void UnityAction();
    public delegate void UnityAction<T0>(T0 arg0);

    public class UnityEvent
    {
        public void AddListener(UnityAction call) { }
        public void RemoveListener(UnityAction call) { }
        public void RemoveAllListeners() { }
        public void Invoke() { }
    }

    public class UnityEvent<T0>
    {
        public void AddListener(UnityAction<T0> call) { }
        public void RemoveListener(UnityAction<T0> call) { }
        public void Invoke(T0 arg0) { }
    }
}

namespace UnityEngine.SceneManagement
{
    public struct Scene { public string name { get { return null; } } public int buildIndex { get { return 0; } } }

    public static class SceneManager
    {
        public static Scene GetActiveScene() { return default(Scene); }
        public static void LoadScene(string sceneName) { }
        public static void LoadScene(int sceneBuildIndex) { }
    }
}
